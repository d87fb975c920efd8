package dev.kforge.kbuild;

import dev.kforge.core.KforgeException;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.exec.Artifacts;
import dev.kforge.core.exec.ProcessResult;
import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.exec.RootedRunner;
import dev.kforge.core.exec.StepContext;
import dev.kforge.core.exec.StepResult;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.fs.LogLines;
import dev.kforge.core.json.CanonicalJson;
import dev.kforge.core.kernel.ModuleSigning;
import dev.kforge.core.model.SigningKey;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Step;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * SIGN steps: every module of a built cell is signed with the tree's own {@code scripts/sign-file}
 * and CONFIG_MODULE_SIG_HASH (sha256 when the tree sets none) into a copy of the cell's out/
 * directory, which then replaces it by rename, so out/ holds either the unsigned build or the whole
 * signed one, never a mix. metadata.json gets the signed and the unsigned sha256 of each module and
 * the certificate's fingerprint. When signing fails the cell's out/ keeps its logs and no module.
 */
final class ModuleSigner {

    /** What sign-file appends after the PKCS#7 signature (the kernel's MODULE_SIG_STRING). */
    static final byte[] MAGIC = "~Module signature appended~\n".getBytes(StandardCharsets.US_ASCII);

    private final Roots roots;
    private final ProcessRunner runner;
    private final Optional<SigningKey> key;
    private final Map<String, String> env;

    ModuleSigner(Roots roots, ProcessRunner runner, Optional<SigningKey> key, Map<String, String> env) {
        this.roots = roots;
        this.runner = runner;
        this.key = key;
        this.env = env;
    }

    StepResult sign(Step step, StepContext context) throws IOException {
        long start = System.nanoTime();
        SigningKey k = key.orElseThrow(() -> new KforgeException(
                KforgeException.Kind.INTERNAL,
                step.id() + ": no signing key was given to this run",
                "report this bug"));
        Path outDir = roots.path(step.attribute("outDir"));
        Path tree = roots.path(step.attribute("tree"));
        Path signFile = roots.path(step.attribute("signFile"));
        Path cert = roots.path(step.attribute("cert"));
        Path buildDir = roots.path(step.attribute("buildDir"));
        Path log = buildDir.resolveSibling(buildDir.getFileName() + ".sign.log");
        Files.deleteIfExists(log);
        Files.writeString(log, "");
        if (!Files.isExecutable(signFile)) {
            return fail(
                    step, start, outDir, log, "the kernel tree has no scripts/sign-file (is CONFIG_MODULE_SIG set?)");
        }
        String hash = sigHash(tree);
        List<Path> modules;
        try (Stream<Path> s = Files.list(outDir)) {
            modules = s.filter(p -> p.getFileName().toString().endsWith(".ko"))
                    .sorted()
                    .toList();
        }
        if (modules.isEmpty()) {
            return fail(step, start, outDir, log, "the build published no module to sign");
        }
        ModuleSigning.Certificate certificate = Certificates.facts(Certificates.read(cert));
        ProcessRunner run = runnerFor(step, k);
        Path staged = FileTrees.stagingFor(outDir);
        try {
            copyTree(outDir, staged);
            Map<String, Object> signed = new TreeMap<>();
            for (Path ko : modules) {
                Path dest = staged.resolve(ko.getFileName());
                Optional<String> problem = signOne(step, run, k, hash, ko, dest, log);
                if (problem.isPresent()) {
                    return fail(step, start, outDir, log, problem.get());
                }
                Map<String, Object> m = new TreeMap<>();
                m.put("sha256", Digest.ofFile(dest).hex());
                m.put("unsignedSha256", Digest.ofFile(ko).hex());
                signed.put(ko.getFileName().toString(), m);
            }
            Files.copy(log, staged.resolve("sign.log"), StandardCopyOption.REPLACE_EXISTING);
            writeMetadata(staged.resolve("metadata.json"), signed, hash, certificate, context);
            FileTrees.swapIn(staged, outDir);
            staged = null;
        } finally {
            if (staged != null) {
                FileTrees.deleteRecursively(staged);
            }
        }
        return Make.result(
                        step,
                        StepStatus.BUILT,
                        start,
                        modules.size() + " module(s) signed by " + certificate.signer() + " (" + hash + ")",
                        List.of(),
                        Map.of("certificateSha256", certificate.sha256()))
                .with(Artifacts.signedBy(certificate.signer()));
    }

    /** The kernel's CONFIG_MODULE_SIG_HASH, sha256 when the tree names none. */
    private static String sigHash(Path tree) throws IOException {
        String hash = KernelConfig.read(tree.resolve(".config")).get("CONFIG_MODULE_SIG_HASH");
        return hash.equals("n") || hash.isBlank() ? "sha256" : hash;
    }

    /** sign-file runs where it was built: in the toolchain root (against its libcrypto) when the tree has one. */
    private ProcessRunner runnerFor(Step step, SigningKey k) {
        String root = step.attributes().get("root");
        if (root == null) {
            return runner;
        }
        List<Path> binds = new ArrayList<>(roots.hostDirs());
        if (!k.pkcs11()) {
            binds.add(Path.of(k.spec()).getParent());
        }
        return new RootedRunner(runner, roots.path("${kernel:" + root + "}"), binds, false);
    }

    /** Signs {@code ko} into {@code dest}; why it failed, if it did (sign-file can exit 0 and sign nothing). */
    private Optional<String> signOne(
            Step step, ProcessRunner run, SigningKey k, String hash, Path ko, Path dest, Path log) throws IOException {
        List<String> argv = new ArrayList<>();
        for (String a : step.commands().get(0)) {
            argv.add(
                    switch (a) {
                        case "${module_sig_hash}" -> hash;
                        case "$KFORGE_SIGNING_KEY" -> OpensslSigning.KEY_REF;
                        case "${module}" -> ko.toString();
                        case "${signed}" -> dest.toString();
                        default -> roots.resolve(a);
                    });
        }
        Files.writeString(log, "$ " + String.join(" ", argv) + "\n", StandardOpenOption.APPEND);
        ProcessResult r = OpensslSigning.run(run, argv, k, env, Optional.of(log), roots.path(step.cwd()));
        if (!r.succeeded()) {
            return Optional.of("sign-file failed on " + ko.getFileName() + " ("
                    + String.join(" | ", LogLines.last(log, 2)).strip() + ")");
        }
        byte[] bytes = Files.readAllBytes(dest);
        if (bytes.length < MAGIC.length
                || !Arrays.equals(Arrays.copyOfRange(bytes, bytes.length - MAGIC.length, bytes.length), MAGIC)) {
            return Optional.of("sign-file exited 0 but " + ko.getFileName() + " carries no signature");
        }
        return Optional.empty();
    }

    /** The signed modules' digests go into each module's entry, keyed as in the build's metadata.json. */
    @SuppressWarnings("unchecked")
    private static void writeMetadata(
            Path meta, Map<String, Object> signed, String hash, ModuleSigning.Certificate cert, StepContext context)
            throws IOException {
        Map<String, Object> m = new TreeMap<>((Map<String, Object>) CanonicalJson.read(Files.readString(meta)));
        Map<String, Object> modules = new TreeMap<>((Map<String, Object>) m.getOrDefault("modules", Map.of()));
        for (Map.Entry<String, Object> e : new TreeMap<>(modules).entrySet()) {
            String file = Path.of(e.getKey()).getFileName().toString();
            if (signed.get(file) instanceof Map<?, ?> s) {
                Map<String, Object> facts = new TreeMap<>((Map<String, Object>) e.getValue());
                facts.put("sha256", s.get("sha256"));
                facts.put("unsignedSha256", s.get("unsignedSha256"));
                modules.put(e.getKey(), facts);
            }
        }
        m.put("modules", modules);
        Map<String, Object> signing = new TreeMap<>();
        signing.put("certificateSha256", cert.sha256());
        signing.put("signer", cert.signer());
        signing.put("hash", hash);
        m.put("signing", signing);
        Provenance.record(m, context);
        Files.writeString(meta, CanonicalJson.write(m));
    }

    /** A failed signature leaves the cell's logs and no module in out/: nothing unsigned is mistaken for the result. */
    private StepResult fail(Step step, long start, Path outDir, Path log, String message) throws IOException {
        Path staged = FileTrees.stagingFor(outDir);
        try {
            if (Files.isDirectory(outDir)) {
                try (Stream<Path> s = Files.list(outDir)) {
                    for (Path f : s.filter(p -> p.getFileName().toString().endsWith(".log"))
                            .toList()) {
                        Files.copy(f, staged.resolve(f.getFileName()));
                    }
                }
            }
            Files.copy(log, staged.resolve("sign.log"), StandardCopyOption.REPLACE_EXISTING);
            FileTrees.swapIn(staged, outDir);
            staged = null;
        } finally {
            if (staged != null) {
                FileTrees.deleteRecursively(staged);
            }
        }
        return Make.result(
                step,
                StepStatus.FAILED,
                start,
                "signing failed: " + message,
                List.of(),
                Map.of("log", outDir.resolve("sign.log").toString()));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
