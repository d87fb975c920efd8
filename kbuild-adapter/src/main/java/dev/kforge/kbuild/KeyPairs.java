package dev.kforge.kbuild;

import dev.kforge.core.KforgeException;
import dev.kforge.core.exec.ProcessResult;
import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.exec.ProcessSpec;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.kernel.ModuleSigning;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/** Makes module signing keys with openssl, as the kernel's own certs/Makefile does. */
final class KeyPairs {

    private final ProcessRunner runner;

    KeyPairs(ProcessRunner runner) {
        this.runner = runner;
    }

    /** A new key and self-signed certificate in {@code dir} (see {@link ModuleSigning#generate}). */
    ModuleSigning.Certificate generate(Path dir, ModuleSigning.KeySpec spec) {
        try {
            Files.createDirectories(dir);
            Path staging = Files.createTempDirectory(dir, ".keygen-");
            try {
                Path cfg = staging.resolve("x509.genkey");
                // The kernel's own certs/default_x509.genkey, with codeSigning for shim's MOK.
                Files.writeString(
                        cfg,
                        "[ req ]\ndistinguished_name = req_distinguished_name\nprompt = no\n"
                                + "string_mask = utf8only\nx509_extensions = myexts\n\n[ req_distinguished_name ]\nO = kforge\n"
                                + "CN = " + spec.commonName().replace("\n", " ")
                                + "\n\n[ myexts ]\nbasicConstraints=critical,CA:FALSE\n"
                                + "keyUsage=digitalSignature\nextendedKeyUsage=codeSigning\nsubjectKeyIdentifier=hash\n"
                                + "authorityKeyIdentifier=keyid\n");
                List<String> newkey = spec.type().equals("ecdsa")
                        ? List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp384r1")
                        : List.of("-newkey", "rsa:" + spec.bits());
                List<String> req = new ArrayList<>(List.of(
                        "openssl",
                        "req",
                        "-new",
                        "-nodes",
                        "-utf8",
                        "-sha256",
                        "-days",
                        Integer.toString(spec.days()),
                        "-batch",
                        "-x509",
                        "-config",
                        cfg.toString(),
                        "-outform",
                        "PEM",
                        "-out",
                        staging.resolve("module.crt").toString(),
                        "-keyout",
                        staging.resolve("module.key").toString()));
                req.addAll(newkey);
                capture(req);
                capture(List.of(
                        "openssl",
                        "x509",
                        "-in",
                        staging.resolve("module.crt").toString(),
                        "-outform",
                        "DER",
                        "-out",
                        staging.resolve("module.der").toString()));
                Files.setPosixFilePermissions(
                        staging.resolve("module.key"), PosixFilePermissions.fromString("rw-------"));
                for (String f : List.of("module.key", "module.der", "module.crt")) {
                    Files.move(
                            staging.resolve(f),
                            dir.resolve(f),
                            StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                FileTrees.deleteRecursively(staging);
            }
            return Certificates.facts(Certificates.read(dir.resolve("module.crt")));
        } catch (IOException e) {
            throw KforgeException.environment(
                    "cannot write the key into " + dir + ": " + e.getMessage(), "check that the directory is writable");
        }
    }

    private void capture(List<String> argv) throws IOException {
        try {
            ProcessResult r = runner.run(ProcessSpec.capture(argv, Path.of(".").toAbsolutePath()));
            if (!r.succeeded()) {
                throw KforgeException.environment(
                        "openssl " + argv.get(1) + " failed: "
                                + r.output().strip().lines().findFirst().orElse("exit " + r.exitCode()),
                        "is openssl installed? apt-get install openssl");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KforgeException(KforgeException.Kind.INTERRUPTED, "interrupted", "");
        }
    }
}
