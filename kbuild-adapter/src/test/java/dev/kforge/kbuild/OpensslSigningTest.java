package dev.kforge.kbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kforge.core.KforgeException;
import dev.kforge.core.exec.LocalProcessRunner;
import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.kernel.ModuleSigning;
import dev.kforge.core.model.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key/certificate check with the real openssl, and its memo of passed checks. */
class OpensslSigningTest {

    @TempDir
    Path dir;

    private final AtomicInteger processes = new AtomicInteger();
    private final ProcessRunner counting = spec -> {
        processes.incrementAndGet();
        return new LocalProcessRunner().run(spec);
    };

    private static final ModuleSigning.KeySpec EC = new ModuleSigning.KeySpec("ecdsa", 0, "kforge test", 30);

    /** Until files written now are older than the memo's two-second window. */
    private static void settle() throws InterruptedException {
        Thread.sleep(2_100);
    }

    @Test
    void aPassedCheckIsRememberedUntilTheKeyChanges() throws Exception {
        Path keys = dir.resolve("keys");
        Path other = dir.resolve("other");
        new OpensslSigning(new LocalProcessRunner(), Map.of()).generate(keys, EC);
        new OpensslSigning(new LocalProcessRunner(), Map.of()).generate(other, EC);
        settle();
        OpensslSigning signing = new OpensslSigning(counting, Map.of(), Optional.of(dir.resolve("memo")));
        SigningKey key = new SigningKey(keys.resolve("module.key").toString(), "test key");

        ModuleSigning.Certificate first = signing.check(key, keys.resolve("module.crt"));
        assertThat(processes.get()).isEqualTo(1); // openssl pkey
        assertThat(first.signer()).isEqualTo("kforge test");

        ModuleSigning.Certificate again = new OpensslSigning(counting, Map.of(), Optional.of(dir.resolve("memo")))
                .check(key, keys.resolve("module.crt"));
        assertThat(again).isEqualTo(first);
        assertThat(processes.get())
                .as("the second check of an unchanged pair runs no openssl")
                .isEqualTo(1);

        // The key replaced by one of another pair: its stamp changed, so it is checked (and refused),
        // both at once and once it has settled.
        Files.copy(other.resolve("module.key"), keys.resolve("module.key"), StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> signing.check(key, keys.resolve("module.crt")))
                .isInstanceOf(KforgeException.class)
                .hasMessageContaining("does not belong to the certificate");
        settle();
        assertThatThrownBy(() -> signing.check(key, keys.resolve("module.crt")))
                .isInstanceOf(KforgeException.class)
                .hasMessageContaining("does not belong to the certificate");
        assertThat(processes.get()).isEqualTo(3);
    }

    @Test
    void theMemoNamesNeitherTheKeyNorThePassphrase() throws Exception {
        Path keys = dir.resolve("keys");
        new OpensslSigning(new LocalProcessRunner(), Map.of()).generate(keys, EC);
        settle();
        Path memo = dir.resolve("memo");
        new OpensslSigning(counting, Map.of("KBUILD_SIGN_PIN", "sekrit-pin"), Optional.of(memo))
                .check(new SigningKey(keys.resolve("module.key").toString(), "test key"), keys.resolve("module.crt"));
        try (var files = Files.list(memo)) {
            var written = files.toList();
            assertThat(written).hasSize(1);
            String text = Files.readString(written.get(0));
            assertThat(text)
                    .doesNotContain("module.key")
                    .doesNotContain("sekrit-pin")
                    .contains("kforge test");
            assertThat(written.get(0).getFileName().toString()).matches("[0-9a-f]{64}");
        }
    }

    @Test
    void unsettledFilesAreCheckedEveryTime() {
        Path keys = dir.resolve("keys");
        new OpensslSigning(new LocalProcessRunner(), Map.of()).generate(keys, EC);
        OpensslSigning signing = new OpensslSigning(counting, Map.of(), Optional.of(dir.resolve("memo")));
        SigningKey key = new SigningKey(keys.resolve("module.key").toString(), "test key");
        signing.check(key, keys.resolve("module.crt"));
        signing.check(key, keys.resolve("module.crt"));
        assertThat(processes.get()).isEqualTo(2);
        assertThat(dir.resolve("memo")).doesNotExist();
    }
}
