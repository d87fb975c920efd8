package dev.kforge.core.fs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.digest.Digest;
import dev.kforge.core.report.Reports;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What kforge publishes has the modes a plain create gives under this process's umask, not 0600/0700. */
class ModesTest {

    @TempDir
    Path dir;

    Set<PosixFilePermission> plainFile() throws Exception {
        Path p = dir.resolve("plain-file");
        return Files.getPosixFilePermissions(Files.exists(p) ? p : Files.createFile(p));
    }

    Set<PosixFilePermission> plainDir() throws Exception {
        Path p = dir.resolve("plain-dir");
        return Files.getPosixFilePermissions(Files.exists(p) ? p : Files.createDirectory(p));
    }

    @Test
    void reportsStagedCellsAndRestoredFilesAreReadableAsPlainFilesAre() throws Exception {
        // The JVM's temporary files are private; published ones must not be (unless the umask says so).
        assertThat(PosixFilePermissions.toString(plainFile())).isNotEqualTo("rw-------");

        Path report = dir.resolve("out/kforge-results.json");
        Reports.writeAtomically(report, "{}");
        assertThat(Files.getPosixFilePermissions(report)).isEqualTo(plainFile());

        Path staged = FileTrees.stagingFor(dir.resolve("out/k/x86_64-gcc/hello"));
        assertThat(Files.getPosixFilePermissions(staged)).isEqualTo(plainDir());

        byte[] ko = "module".getBytes(StandardCharsets.US_ASCII);
        Path restored = dir.resolve("out/hello.ko");
        assertThat(FileTrees.copyVerified(new ByteArrayInputStream(ko), restored, Digest.of(ko)))
                .isTrue();
        assertThat(Files.getPosixFilePermissions(restored)).isEqualTo(plainFile());
    }
}
