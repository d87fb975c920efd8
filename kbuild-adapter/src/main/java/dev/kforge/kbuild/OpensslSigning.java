package dev.kforge.kbuild;

import dev.kforge.core.KforgeException;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.digest.DigestMemo;
import dev.kforge.core.digest.Fingerprint;
import dev.kforge.core.exec.ProcessResult;
import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.exec.ProcessSpec;
import dev.kforge.core.kernel.ModuleSigning;
import dev.kforge.core.model.SigningKey;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Step;
import dev.kforge.core.report.Reports;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Checks a signing key and certificate with openssl, as sign-file will read them: the key is read
 * (with KBUILD_SIGN_PIN as its passphrase, as sign-file does), its public half compared with the
 * certificate's. The certificate is parsed in Java (PEM or DER, as sign-file accepts). The key's
 * path reaches openssl only through its environment, and no message names it.
 */
public final class OpensslSigning implements ModuleSigning {

    /** The variable sign-file and openssl read the key's path from; never printed. */
    public static final String KEY_VARIABLE = "KFORGE_SIGNING_KEY";

    private final ProcessRunner runner;
    private final Map<String, String> env;
    private final Optional<Path> memoDir;

    public OpensslSigning(ProcessRunner runner, Map<String, String> env) {
        this(runner, env, Optional.empty());
    }

    /**
     * @param memoDir where passed checks are remembered (see {@link #check}); empty to check every time
     */
    public OpensslSigning(ProcessRunner runner, Map<String, String> env, Optional<Path> memoDir) {
        this.runner = runner;
        this.env = Map.copyOf(env);
        this.memoDir = memoDir;
    }

    /**
     * The key and the certificate the signing steps name, and each headers tree they sign on has its
     * scripts/sign-file (trees kforge prepares get one from CONFIG_MODULE_SIG when their prepare runs).
     */
    @Override
    public void preflight(SigningKey key, List<Step> signSteps, Roots roots) {
        check(key, roots.path(signSteps.get(0).attribute("cert")));
        for (Step s : signSteps) {
            if (!s.attribute("tree").startsWith("${trees}/")
                    && !Files.isExecutable(roots.path(s.attribute("signFile")))) {
                throw KforgeException.environment(
                        "kernel '" + s.attribute("kernel") + "' (" + roots.resolve(s.attribute("tree"))
                                + ") has no scripts/sign-file, so its modules cannot be signed",
                        "give that kernel sign = false, or use headers built with CONFIG_MODULE_SIG (Debian's are)");
            }
        }
    }

    /**
     * Checks the pair, or remembers that it passed: a key file and certificate that passed before
     * and whose stamps (inode, size, mtime, ctime) are unchanged and settled, with the same
     * KBUILD_SIGN_PIN, pass again without openssl (an openssl process and the certificate's parse
     * were a tenth of a no-op build). The memo holds the certificate's fingerprint and signer only;
     * its name is a digest, so neither the key's path nor the passphrase is written anywhere.
     */
    @Override
    public Certificate check(SigningKey key, Path cert) {
        Optional<Path> memo = memo(key, cert);
        if (memo.isPresent()) {
            try {
                String[] f =
                        Files.readString(memo.get(), StandardCharsets.UTF_8).split("\n", -1);
                if (f.length == 4 && f[0].equals("v1") && f[3].isEmpty()) {
                    return new Certificate(f[1], f[2]);
                }
            } catch (IOException e) {
                // not remembered (or unreadable): check
            }
        }
        Certificate facts = checkNow(key, cert);
        if (memo.isPresent() && !facts.signer().contains("\n")) {
            try {
                Reports.writeAtomically(memo.get(), "v1\n" + facts.sha256() + "\n" + facts.signer() + "\n");
            } catch (IOException e) {
                // only a memo: the next run checks again
            }
        }
        return facts;
    }

    /** The memo of this pair's check: empty for a token key, without a memo directory, or while a file is unsettled. */
    private Optional<Path> memo(SigningKey key, Path cert) {
        if (memoDir.isEmpty() || key.pkcs11()) {
            return Optional.empty();
        }
        Path file = Path.of(key.spec()).toAbsolutePath();
        Optional<String> keyStamp = DigestMemo.settledStamp(file);
        Optional<String> certStamp = DigestMemo.settledStamp(cert.toAbsolutePath());
        if (keyStamp.isEmpty() || certStamp.isEmpty() || !Files.isRegularFile(file) || !Files.isReadable(file)) {
            return Optional.empty();
        }
        String pin = env.getOrDefault("KBUILD_SIGN_PIN", "");
        String name = new Fingerprint("kforge-signing-check", 1)
                .add(file.toString())
                .add(keyStamp.get())
                .add(cert.toAbsolutePath().toString())
                .add(certStamp.get())
                .add(Digest.of(pin.getBytes(StandardCharsets.UTF_8)).hex())
                .digest()
                .hex();
        return Optional.of(memoDir.get().resolve(name));
    }

    private Certificate checkNow(SigningKey key, Path cert) {
        X509Certificate x509 = Certificates.read(cert);
        String certPublic =
                Base64.getEncoder().encodeToString(x509.getPublicKey().getEncoded());
        Certificate facts = Certificates.facts(x509);
        if (key.pkcs11()) {
            return facts; // a token's key is read by the engine at signing time; there is nothing to read here
        }
        Path file = Path.of(key.spec());
        if (!Files.isRegularFile(file)) {
            throw KforgeException.userInput(
                    key.origin() + ": the key does not exist or is not a file",
                    "generate one with kforge keygen, or point [signing] at your key");
        }
        if (!Files.isReadable(file)) {
            throw KforgeException.userInput(
                    key.origin() + ": the key is not readable by this user", "check its permissions");
        }
        boolean encrypted = isEncrypted(file);
        String pin = env.get("KBUILD_SIGN_PIN");
        if (encrypted && (pin == null || pin.isEmpty())) {
            throw KforgeException.userInput(
                    key.origin() + ": the key is encrypted and KBUILD_SIGN_PIN is not set",
                    "export KBUILD_SIGN_PIN with its passphrase (sign-file reads it too), or use an unencrypted key");
        }
        ProcessResult r = withKey(
                List.of(
                        "openssl",
                        "pkey",
                        "-in",
                        KEY_REF,
                        "-passin",
                        "env:KBUILD_SIGN_PIN",
                        "-pubout",
                        "-outform",
                        "PEM"),
                key,
                Optional.empty());
        if (!r.succeeded()) {
            throw KforgeException.userInput(
                    key.origin() + ": the key cannot be read as a private key"
                            + (encrypted ? " with the passphrase in KBUILD_SIGN_PIN" : "") + " (openssl: "
                            + firstLine(r.output(), key) + ")",
                    encrypted ? "check KBUILD_SIGN_PIN" : "sign-file takes a PEM private key or a pkcs11: URI");
        }
        String keyPublic = r.output().replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        if (!keyPublic.equals(certPublic)) {
            throw KforgeException.userInput(
                    key.origin() + ": the key does not belong to the certificate " + cert + " (signer " + facts.signer()
                            + ")",
                    "name the certificate made with this key; kforge keygen writes a matching pair");
        }
        return facts;
    }

    @Override
    public Certificate generate(Path dir, KeySpec spec) {
        return new KeyPairs(runner).generate(dir, spec);
    }

    /** Where the key goes in an argv for {@link #withKey}. */
    static final String KEY_REF = "\"$" + KEY_VARIABLE + "\"";

    /**
     * Runs {@code argv} with the key's path in the environment only: the argv kforge hands to its
     * runner (which logs argv with -v) is {@code sh -c 'exec "$@"'} around it, and {@link #KEY_REF}
     * is expanded by that shell from {@link #KEY_VARIABLE}. The script is a constant; no value is
     * ever spliced into it.
     */
    ProcessResult withKey(List<String> argv, SigningKey key, Optional<Path> log) {
        return run(runner, argv, key, env, log, Path.of(".").toAbsolutePath());
    }

    /**
     * @param cwd where it runs (inside a toolchain root it must be a directory bound there: the workspace)
     */
    static ProcessResult run(
            ProcessRunner runner,
            List<String> argv,
            SigningKey key,
            Map<String, String> env,
            Optional<Path> log,
            Path cwd) {
        StringBuilder script = new StringBuilder("exec");
        List<String> args = new ArrayList<>(List.of("sh", "-c", "", "sh"));
        int n = 0;
        for (String a : argv) {
            if (a.equals(KEY_REF)) {
                script.append(" \"$").append(KEY_VARIABLE).append('"');
            } else {
                script.append(" \"${").append(++n).append("}\"");
                args.add(a);
            }
        }
        args.set(2, script.toString());
        TreeMap<String, String> e = new TreeMap<>();
        e.put(KEY_VARIABLE, key.spec());
        String pin = env.get("KBUILD_SIGN_PIN");
        e.put("KBUILD_SIGN_PIN", pin == null ? "" : pin);
        try {
            return runner.run(new ProcessSpec(args, e, cwd, log, Optional.of(Duration.ofMinutes(2))));
        } catch (IOException ex) {
            throw KforgeException.environment(
                    "cannot run " + argv.get(0) + ": " + ex.getMessage(), "kforge doctor names the package");
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new KforgeException(KforgeException.Kind.INTERRUPTED, "interrupted", "");
        }
    }

    private static boolean isEncrypted(Path key) {
        try {
            String head = new String(Files.readAllBytes(key), StandardCharsets.ISO_8859_1);
            return head.contains("ENCRYPTED");
        } catch (IOException e) {
            return false;
        }
    }

    private static String firstLine(String output, SigningKey key) {
        String line = output.strip().lines().findFirst().orElse("no output");
        return line.replace(key.spec(), "(the key)");
    }
}
