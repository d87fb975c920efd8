package dev.kforge.cli;

import static dev.kforge.cli.ItSupport.cells;
import static dev.kforge.cli.ItSupport.kforge;
import static dev.kforge.cli.ItSupport.kforgeWithEnv;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import dev.kforge.core.digest.Digest;
import dev.kforge.kbuild.KernelPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Module signing with real openssl, the kernel's own scripts/sign-file (Debian's x86_64 headers) and
 * kmod's modinfo: what is signed, what is recorded, what is reproducible, what never leaks, and
 * every bad input stopped before a module is built.
 */
class SigningIT {

    static final String CELL = "hello/debian/x86_64-gcc";

    @TempDir
    Path dir;

    Path ws;

    void workspace(String signing) {
        new TestWorkspace(ws).cDriver("drivers/hello").manifest(signing + """

                [[kernel]]
                name = "debian"
                headers = "/usr/src/linux-headers-*-amd64"
                [[driver]]
                name = "hello"
                path = "drivers/hello"
                [[matrix]]
                arches = ["x86_64"]
                """);
    }

    static String signing(String key, String cert) {
        return "[signing]\nkey = \"" + key + "\"\ncert = \"" + cert + "\"\n";
    }

    void keygen(String dirName, String... extra) {
        String[] args = Stream.concat(Stream.of("keygen", "--cn", "kforge " + dirName), Stream.of(extra))
                .toArray(String[]::new);
        String[] all = Arrays.copyOf(args, args.length + 1);
        all[args.length] = "keys/" + dirName;
        ItSupport.Run r = kforge(ws, all);
        assertThat(r.code()).as(r.err()).isZero();
    }

    Path ko() {
        return ws.resolve("out/debian/x86_64-gcc/hello/hello.ko");
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> moduleMeta() {
        Map<String, Object> meta = ItSupport.json(ws.resolve("out/debian/x86_64-gcc/hello/metadata.json"));
        return (Map<String, Object>) ((Map<String, Object>) meta.get("modules")).get("hello.ko");
    }

    @Test
    void signsWithTheTreesSignFileRecordsBothDigestsAndRsaIsReproducibleButEcdsaIsNot() throws Exception {
        ws = dir.resolve("ws");
        Files.createDirectories(ws);
        Path cache = dir.resolve("cache"); // its own cache, so every file of it can be searched for the key
        keygen("rsa");
        keygen("ec", "--type", "ecdsa");
        workspace(signing("keys/rsa/module.key", "keys/rsa/module.crt"));

        ItSupport.Run first = kforge(ws, "-v", "--cache-dir", cache.toString(), "build", "--junit", "junit.xml");
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.out()).contains("(signed: kforge rsa)").contains("1 cells: 1 built, 0 cached, 0 failed");
        assertThat(ExamplesBuildIT.modinfo("signer", ko())).isEqualTo("kforge rsa");
        assertThat(ExamplesBuildIT.modinfo("sig_hashalgo", ko()))
                .isEqualTo("sha256"); // Debian's CONFIG_MODULE_SIG_HASH
        Map<String, Object> m = moduleMeta();
        String signed = (String) m.get("sha256");
        assertThat(signed).isEqualTo(Digest.ofFile(ko()).hex()).isNotEqualTo(m.get("unsignedSha256"));
        assertThat(Files.readString(ws.resolve("out/SHA256SUMS")))
                .contains(signed + "  debian/x86_64-gcc/hello/hello.ko");
        String provenance = Files.readString(ws.resolve("out/provenance.json"));
        assertThat(provenance)
                .contains("\"unsignedSha256\" : \"" + m.get("unsignedSha256") + "\"")
                .contains("\"certificateSha256\" : \"" + certSha256("rsa") + "\"");
        assertThat(cells(ws.resolve("out")).get(CELL)).containsEntry("signer", "kforge rsa");

        // RSA (PKCS#1 v1.5) signatures are deterministic: a real rebuild signs to the same bytes.
        ItSupport.Run again = kforge(ws, "--cache-dir", cache.toString(), "build", "--no-cache");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(Digest.ofFile(ko()).hex()).isEqualTo(signed);

        // The key never shows: not in what kforge prints (with -v), the plan, out/, the cache or JUnit.
        String keyPath = ws.resolve("keys/rsa/module.key").toString();
        String keyLine = Files.readAllLines(ws.resolve("keys/rsa/module.key")).get(5);
        ItSupport.Run plan = kforge(ws, "--cache-dir", cache.toString(), "plan");
        for (String text : List.of(first.out(), first.err(), plan.out(), plan.err())) {
            assertThat(text)
                    .doesNotContain(keyPath)
                    .doesNotContain("keys/rsa/module.key")
                    .doesNotContain(keyLine);
        }
        for (Path root : List.of(ws.resolve("out"), cache, ws.resolve(".kforge"), ws.resolve("junit.xml"))) {
            assertNoFileHolds(root, keyPath, keyLine);
        }
        // The plan does not change with the key's place, only with what is signed.
        String hash = planHash(cache);
        Files.move(ws.resolve("keys/rsa/module.key"), ws.resolve("keys/rsa/moved.key"));
        workspace(signing("keys/rsa/moved.key", "keys/rsa/module.crt"));
        assertThat(planHash(cache)).isEqualTo(hash);

        // Another certificate: the build comes from the cache, the signature does not.
        workspace(signing("keys/ec/module.key", "keys/ec/module.crt"));
        ItSupport.Run ec = kforge(ws, "--cache-dir", cache.toString(), "build");
        assertThat(ec.code()).as(ec.err()).isZero();
        assertThat(ec.commands()).noneMatch(a -> a.get(0).equals("make"));
        assertThat(ExamplesBuildIT.modinfo("signer", ko())).isEqualTo("kforge ec");
        String ecSigned = Digest.ofFile(ko()).hex();
        assertThat(moduleMeta()).containsEntry("unsignedSha256", m.get("unsignedSha256"));
        // ECDSA signatures are randomised: the same module signs to other bytes every time.
        assertThat(kforge(ws, "--cache-dir", cache.toString(), "build", "--no-cache")
                        .code())
                .isZero();
        assertThat(Digest.ofFile(ko()).hex()).isNotEqualTo(ecSigned);
        assertThat(moduleMeta()).containsEntry("unsignedSha256", m.get("unsignedSha256"));
        // kforge verify compares the unsigned modules, so reproducibility stays checkable.
        ItSupport.Run verify = kforge(ws, "--cache-dir", cache.toString(), "verify");
        assertThat(verify.code()).as(verify.out() + verify.err()).isZero();
        assertThat(verify.out()).contains("1 module(s) checked, 0 not reproducible");
    }

    @Test
    void badSigningInputStopsTheRunBeforeAnyModuleIsBuiltAndLeavesOutAsItWas() throws Exception {
        ws = dir.resolve("bad");
        Files.createDirectories(ws);
        keygen("a");
        keygen("b");
        workspace(signing("keys/a/module.key", "keys/a/module.crt"));
        assertThat(kforge(ws, "build").code()).isZero();
        byte[] good = Files.readAllBytes(ko());

        // Missing key.
        workspace(signing("keys/none/module.key", "keys/a/module.crt"));
        ItSupport.Run missing = kforge(ws, "build", "--no-cache");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err())
                .contains("kforge.toml:2:1: [signing] key: the key does not exist or is not a file")
                .doesNotContain("keys/none");
        assertThat(missing.commands()).noneMatch(a -> a.get(0).equals("make"));
        assertThat(Files.readAllBytes(ko())).isEqualTo(good);

        // A key that is not the certificate's.
        workspace(signing("keys/b/module.key", "keys/a/module.crt"));
        ItSupport.Run mismatch = kforge(ws, "build", "--no-cache");
        assertThat(mismatch.code()).isEqualTo(2);
        assertThat(mismatch.err())
                .contains("does not belong to the certificate")
                .contains("(signer kforge a)");
        assertThat(mismatch.commands()).noneMatch(a -> a.get(0).equals("make"));
        assertThat(Files.readAllBytes(ko())).isEqualTo(good);

        // An encrypted key: without its passphrase exit 2, with it (KBUILD_SIGN_PIN, as sign-file reads it) signed.
        Path enc = Files.createDirectories(ws.resolve("keys/enc"));
        openssl(
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-aes256",
                "-pass",
                "pass:s3cret",
                "-out",
                enc.resolve("module.key").toString());
        openssl(
                "req",
                "-new",
                "-x509",
                "-key",
                enc.resolve("module.key").toString(),
                "-passin",
                "pass:s3cret",
                "-subj",
                "/CN=kforge enc",
                "-days",
                "2",
                "-out",
                enc.resolve("module.crt").toString());
        workspace(signing("keys/enc/module.key", "keys/enc/module.crt"));
        ItSupport.Run locked = kforge(ws, "build");
        assertThat(locked.code()).isEqualTo(2);
        assertThat(locked.err()).contains("is encrypted and KBUILD_SIGN_PIN is not set");
        ItSupport.Run wrongPin = kforgeWithEnv(ws, Map.of("KBUILD_SIGN_PIN", "wrong"), "build");
        assertThat(wrongPin.code()).isEqualTo(2);
        assertThat(wrongPin.err()).contains("cannot be read as a private key with the passphrase in KBUILD_SIGN_PIN");
        ItSupport.Run unlocked = kforgeWithEnv(ws, Map.of("KBUILD_SIGN_PIN", "s3cret"), "build");
        assertThat(unlocked.code()).as(unlocked.err()).isZero();
        assertThat(ExamplesBuildIT.modinfo("signer", ko())).isEqualTo("kforge enc");
        assertThat(unlocked.err() + unlocked.out()).doesNotContain("s3cret");

        // key-env names a variable that is not set; then one that is (a CI secret file).
        workspace("[signing]\nkey-env = \"KFORGE_TEST_SIGNING_KEY\"\ncert = \"keys/a/module.crt\"\n");
        ItSupport.Run unset = kforge(ws, "build");
        assertThat(unset.code()).isEqualTo(2);
        assertThat(unset.err()).contains("kforge.toml:2:1: [signing] key-env $KFORGE_TEST_SIGNING_KEY is not set");
        ItSupport.Run fromEnv = kforgeWithEnv(
                ws,
                Map.of(
                        "KFORGE_TEST_SIGNING_KEY",
                        ws.resolve("keys/a/module.key").toString()),
                "build");
        assertThat(fromEnv.code()).as(fromEnv.err()).isZero();
        assertThat(ExamplesBuildIT.modinfo("signer", ko())).isEqualTo("kforge a");

        // A missing certificate is the manifest's error, with its position.
        workspace(signing("keys/a/module.key", "keys/none.crt"));
        ItSupport.Run noCert = kforge(ws, "build");
        assertThat(noCert.code()).isEqualTo(2);
        assertThat(noCert.err()).contains("kforge.toml:1:1: [signing] cert 'keys/none.crt' does not exist");

        // A headers tree without scripts/sign-file: exit 3 before make, naming the kernel.
        Path real = KernelPaths.resolve("/usr/src/linux-headers-*-amd64", ws, "debian");
        Path fake = dir.resolve("headers-without-sign-file");
        Files.createDirectories(fake.resolve("scripts"));
        try (Stream<Path> s = Files.list(real)) {
            for (Path p : s.toList()) {
                if (!p.getFileName().toString().equals("scripts")) {
                    Files.createSymbolicLink(fake.resolve(p.getFileName()), p);
                }
            }
        }
        try (Stream<Path> s = Files.list(real.resolve("scripts"))) {
            for (Path p : s.filter(p -> !p.getFileName().toString().equals("sign-file"))
                    .toList()) {
                Files.createSymbolicLink(fake.resolve("scripts").resolve(p.getFileName()), p);
            }
        }
        new TestWorkspace(ws).manifest(signing("keys/a/module.key", "keys/a/module.crt") + """
                [[kernel]]
                name = "nosign"
                headers = "%s"
                [[driver]]
                name = "hello"
                path = "drivers/hello"
                [[matrix]]
                arches = ["x86_64"]
                """.formatted(fake));
        ItSupport.Run noSignFile = kforge(ws, "build");
        assertThat(noSignFile.code()).isEqualTo(3);
        assertThat(noSignFile.err())
                .contains("kernel 'nosign'")
                .contains("has no scripts/sign-file")
                .contains("sign = false");
        assertThat(noSignFile.commands()).noneMatch(a -> a.get(0).equals("make"));
    }

    String planHash(Path cache) {
        ItSupport.Run plan = kforge(ws, "--cache-dir", cache.toString(), "plan", "--format", "json");
        assertThat(plan.code()).as(plan.err()).isZero();
        var matcher = Pattern.compile("\"planHash\" : \"([0-9a-f]{64})\"").matcher(plan.out());
        assertThat(matcher.find()).isTrue();
        return matcher.group(1);
    }

    String certSha256(String name) throws Exception {
        var cf = CertificateFactory.getInstance("X.509");
        try (var in = Files.newInputStream(ws.resolve("keys/" + name + "/module.crt"))) {
            return Digest.of(cf.generateCertificate(in).getEncoded()).hex();
        }
    }

    static void openssl(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("openssl"));
        argv.addAll(List.of(args));
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
    }

    static void assertNoFileHolds(Path root, String... secrets) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                for (String secret : secrets) {
                    assertThat(text).as(f.toString()).doesNotContain(secret);
                }
            }
        }
    }
}
