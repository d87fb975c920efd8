package dev.kforge.kbuild;

import dev.kforge.core.KforgeException;
import dev.kforge.core.cache.CacheDirs;
import dev.kforge.core.cache.FileLock;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.elf.Elf;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.exec.Diagnostic;
import dev.kforge.core.exec.ProcessResult;
import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.exec.ProcessSpec;
import dev.kforge.core.exec.StepExecutor;
import dev.kforge.core.exec.StepResult;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.json.CanonicalJson;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.plan.ConfigCheck;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Step;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Runs PREPARE and BUILD steps with make and Kbuild.
 *
 * <p>PREPARE: under a cross-process lock, reuses a tree whose completion marker matches the step,
 * or discards a half-prepared one and runs the step's commands, verifying after olddefconfig that
 * every option the fragments ask for took, since Kconfig drops what it cannot satisfy silently.
 * The marker stores the make variables the tree was prepared with; every later make must pass the
 * same ones, which BUILD checks.
 *
 * <p>BUILD: skips when the tree lacks a required CONFIG_ option, runs the commands with output
 * streamed to a log, parses diagnostics, checks every .ko's ELF machine, and publishes the cell's
 * output directory by rename, so out/ only ever holds complete results.
 */
public final class KbuildStepExecutor implements StepExecutor {

    static final String MARKER = ".kforge-tree.json";

    private final Roots roots;
    private final ProcessRunner runner;
    private final Catalog catalog;
    private final CacheDirs cache;
    private final SortedMap<String, String> tools;
    private final Optional<Duration> stepTimeout;

    /**
     * @param tools the plan's tool identities, recorded in metadata.json
     * @param stepTimeout wall-clock limit for one step's commands together
     */
    public KbuildStepExecutor(Roots roots, ProcessRunner runner, Catalog catalog, CacheDirs cache,
            SortedMap<String, String> tools, Optional<Duration> stepTimeout) {
        this.roots = roots;
        this.runner = runner;
        this.catalog = catalog;
        this.cache = cache;
        this.tools = tools;
        this.stepTimeout = stepTimeout;
    }

    @Override
    public StepResult execute(Step step) throws InterruptedException {
        try {
            return step.kind() == Step.Kind.PREPARE ? prepare(step) : build(step);
        } catch (IOException e) {
            throw KforgeException.environment(step.id() + ": " + e.getMessage(), "check free space and permissions");
        } catch (UncheckedIOException e) {
            throw KforgeException.environment(step.id() + ": " + e.getCause().getMessage(), "check free space and permissions");
        }
    }

    // ---- PREPARE -------------------------------------------------------------------------------

    private StepResult prepare(Step step) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Path tree = roots.path(step.attribute("tree"));
        Path log = tree.resolveSibling(tree.getFileName() + ".log");
        String expected = marker(step);
        Files.createDirectories(tree.getParent());
        try (FileLock lock = FileLock.acquire(cache.locks().resolve("tree-" + tree.getFileName() + ".lock"))) {
            Path marker = tree.resolve(MARKER);
            if (Files.isRegularFile(marker)) {
                Map<?, ?> stored = markerContent(marker);
                if (stored.get("listing") == null && stored.equals(CanonicalJson.read(expected))) {
                    // A marker from before listings were recorded: record one now, trusting the tree this once.
                    stored = upgradeMarker(marker, expected, tree);
                }
                if (stored.get("listing") != null && withoutListing(stored).equals(CanonicalJson.read(expected))) {
                    if (stored.get("listing").equals(listing(tree))) {
                        return result(step, StepStatus.CACHED, start, "reused prepared tree " + tree, List.of(),
                                Map.of("tree", tree.toString(), "log", log.toString()));
                    }
                    org.slf4j.LoggerFactory.getLogger(KbuildStepExecutor.class)
                            .warn("{}: prepared tree {} was damaged (files changed or deleted); preparing it again", step.id(), tree);
                }
            }
            if (Files.exists(tree)) {
                if (!Files.isRegularFile(marker)) {
                    org.slf4j.LoggerFactory.getLogger(KbuildStepExecutor.class)
                            .warn("{}: discarding half-prepared tree {}", step.id(), tree);
                }
                FileTrees.deleteRecursively(tree);
            }
            Files.deleteIfExists(log);
            long deadline = stepTimeout.map(d -> System.nanoTime() + d.toNanos()).orElse(Long.MAX_VALUE);
            for (List<String> argv : step.commands()) {
                Optional<StepResult> failed = run(step, argv, log, deadline, start, Optional.empty());
                if (failed.isPresent()) {
                    return failed.get();
                }
                if (argv.get(argv.size() - 1).equals("olddefconfig")) {
                    List<String> lost = new ArrayList<>(verifyFragments(step, tree));
                    String expect = step.attributes().getOrDefault("expect", "");
                    if (!expect.isEmpty()) {
                        KernelConfig actual = KernelConfig.read(tree.resolve(".config"));
                        for (String kv : expect.split(",")) {
                            String[] p = kv.split("=", 2);
                            if (!actual.get(p[0]).equals(p[1])) {
                                lost.add(kv + " (got " + actual.get(p[0]) + "; the kernel's rust_is_available.sh did not "
                                        + "accept the toolchain, or a dependency of RUST is off)");
                            }
                        }
                    }
                    if (!lost.isEmpty()) {
                        return result(step, StepStatus.FAILED, start, "Kconfig did not take " + String.join(", ", lost)
                                + " (a dependency is missing or the option does not exist for this arch); see " + log,
                                List.of(), Map.of("log", log.toString()));
                    }
                }
            }
            if (!Files.isRegularFile(tree.resolve("include/generated/utsrelease.h"))) {
                return result(step, StepStatus.FAILED, start, "modules_prepare finished without include/generated/utsrelease.h",
                        List.of(), Map.of("log", log.toString()));
            }
            Path tmp = Files.createTempFile(tree.getParent(), tree.getFileName() + ".marker", ".tmp");
            @SuppressWarnings("unchecked")
            Map<String, Object> content = new LinkedHashMap<>((Map<String, Object>) CanonicalJson.read(expected));
            content.put("listing", listing(tree));
            Files.writeString(tmp, CanonicalJson.write(content));
            Files.move(tmp, marker, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return result(step, StepStatus.BUILT, start, "prepared " + tree, List.of(),
                    Map.of("tree", tree.toString(), "log", log.toString()));
        }
    }

    private static Map<?, ?> markerContent(Path marker) throws IOException {
        try {
            return (Map<?, ?>) CanonicalJson.read(Files.readString(marker));
        } catch (RuntimeException e) {
            return Map.of(); // a torn marker: the tree is prepared again
        }
    }

    private static Map<?, ?> upgradeMarker(Path marker, String expected, Path tree) throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> content = new LinkedHashMap<>((Map<String, Object>) CanonicalJson.read(expected));
        content.put("listing", listing(tree));
        Path tmp = Files.createTempFile(tree.getParent(), tree.getFileName() + ".marker", ".tmp");
        Files.writeString(tmp, CanonicalJson.write(content));
        Files.move(tmp, marker, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return content;
    }

    private static Object withoutListing(Map<?, ?> m) {
        Map<Object, Object> copy = new LinkedHashMap<>(m);
        copy.remove("listing");
        return copy;
    }

    /**
     * A digest of every file's path and size in a prepared tree (the marker aside): a deleted or
     * truncated file changes it. M= builds write nothing into the tree, so it stays put.
     */
    static String listing(Path tree) throws IOException {
        // One stat per file (walkFileTree hands over the attributes): reuse of a tree stays cheap.
        java.util.TreeMap<String, Long> files = new java.util.TreeMap<>();
        Files.walkFileTree(tree, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path p, java.nio.file.attribute.BasicFileAttributes a) {
                if (a.isRegularFile() && !p.getFileName().toString().equals(MARKER)) {
                    files.put(tree.relativize(p).toString(), a.size());
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
        dev.kforge.core.digest.Fingerprint f = new dev.kforge.core.digest.Fingerprint("kforge-tree-listing", 1);
        files.forEach((name, size) -> f.add(name).add(size));
        return f.digest().hex();
    }

    /** The marker records the step (unresolved, so it is machine-independent) and its make variables. */
    static String marker(Step step) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", step.id());
        m.put("commands", step.commands());
        m.put("makeVariables", makeVariables(step.commands().get(step.commands().size() - 1)));
        return CanonicalJson.write(m);
    }

    /** ARCH, CROSS_COMPILE, LLVM and the tool variables of a make argv. */
    static SortedMap<String, String> makeVariables(List<String> argv) {
        SortedMap<String, String> vars = new TreeMap<>();
        for (String a : argv) {
            int eq = a.indexOf('=');
            if (eq > 0) {
                String k = a.substring(0, eq);
                if (List.of("ARCH", "CROSS_COMPILE", "LLVM", "CC", "LD", "RUSTC", "BINDGEN", "HOSTRUSTC",
                        "RUST_LIB_SRC", "KRUSTFLAGS").contains(k) && !(k.equals("KRUSTFLAGS") && a.contains("remap-path-prefix"))) {
                    vars.put(k, a.substring(eq + 1));
                }
            }
        }
        return vars;
    }

    private List<String> verifyFragments(Step step, Path tree) {
        String frags = step.attributes().getOrDefault("fragments", "");
        if (frags.isEmpty()) {
            return List.of();
        }
        KernelConfig actual = KernelConfig.read(tree.resolve(".config"));
        List<String> lost = new ArrayList<>();
        for (String f : frags.split(",")) {
            KernelConfig wanted = KernelConfig.read(roots.path(f));
            wanted.options().forEach((k, v) -> {
                if (!actual.get(k).equals(v)) {
                    lost.add(k + "=" + v + " (got " + actual.get(k) + ")");
                }
            });
        }
        return lost;
    }

    // ---- BUILD ---------------------------------------------------------------------------------

    private StepResult build(Step step) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Path tree = roots.path(step.attribute("tree"));
        Path buildDir = roots.path(step.attribute("buildDir"));
        Path outDir = roots.path(step.attribute("outDir"));
        Path log = buildDir.resolveSibling(buildDir.getFileName() + ".build.log");
        Files.createDirectories(buildDir.getParent());
        Files.deleteIfExists(log);

        KernelConfig config = KernelConfig.read(tree.resolve(".config"));
        List<String> requires = step.attribute("requires").isEmpty()
                ? List.of() : Arrays.asList(step.attribute("requires").split(","));
        List<String> missing = ConfigCheck.missing(config.options(), requires);
        if (!missing.isEmpty()) {
            return result(step, StepStatus.SKIPPED, start, "kernel tree lacks " + String.join(", ", missing), List.of(), Map.of());
        }
        Path marker = tree.resolve(MARKER);
        if (Files.isRegularFile(marker)) {
            Object stored = ((Map<?, ?>) CanonicalJson.read(Files.readString(marker))).get("makeVariables");
            SortedMap<String, String> mine = makeVariables(step.commands().get(step.commands().size() - 1));
            mine.remove("KRUSTFLAGS");
            if (stored instanceof Map<?, ?> s && !new TreeMap<>(s).equals(new TreeMap<Object, Object>(mine))) {
                throw new KforgeException(KforgeException.Kind.INTERNAL, step.id() + ": make variables " + mine
                        + " differ from those the tree was prepared with " + s, "report this bug");
            }
        }

        Optional<Duration> limit = effectiveTimeout(step);
        long deadline = limit.map(d -> System.nanoTime() + d.toNanos()).orElse(Long.MAX_VALUE);
        KbuildLog parser = new KbuildLog(buildDir.toString(), step.attribute("sourcePath"), kernelDirs(step, tree));
        for (List<String> argv : step.commands()) {
            Optional<StepResult> failed = run(step, argv, log, deadline, start, Optional.of(parser));
            if (failed.isPresent()) {
                publish(step, outDir, List.of(), log, failed.get(), Map.of());
                return failed.get();
            }
        }
        List<Diagnostic> diagnostics = parser.parse(log);
        List<Path> modules;
        try (Stream<Path> s = Files.walk(buildDir)) {
            modules = s.filter(p -> p.getFileName().toString().endsWith(".ko")).sorted().toList();
        }
        if (modules.isEmpty()) {
            StepResult r = result(step, StepStatus.FAILED, start,
                    "make succeeded but built no .ko (does the Kbuild file set obj-m?); see " + log, diagnostics, Map.of());
            publish(step, outDir, List.of(), log, r, Map.of());
            return r;
        }
        Architecture arch = catalog.requireArch(step.attribute("arch"));
        String release = step.attributes().containsKey("release") ? step.attribute("release") : KernelConfig.utsRelease(tree).orElse("unknown");
        Map<String, Object> moduleFacts = new TreeMap<>();
        for (Path ko : modules) {
            Elf elf = Elf.read(ko);
            if (elf.machine() != arch.elfMachine()) {
                StepResult r = result(step, StepStatus.FAILED, start, ko.getFileName() + " has ELF machine " + elf.machine()
                        + ", expected " + arch.elfMachine() + " (EM_" + arch.elfMachineName() + ")", diagnostics, Map.of());
                publish(step, outDir, List.of(), log, r, Map.of());
                return r;
            }
            Map<String, Object> f = new TreeMap<>();
            f.put("sha256", Digest.ofFile(ko).hex());
            f.put("size", Files.size(ko));
            f.put("elfMachine", "EM_" + arch.elfMachineName());
            f.put("vermagic", elf.vermagic().orElse(""));
            if (!elf.release().orElse("").equals(release)) {
                // The kernel refuses a module whose vermagic names another release: not a loadable result.
                StepResult r = result(step, StepStatus.FAILED, start, ko.getFileName() + ": vermagic release "
                        + elf.release().orElse("(none)") + " differs from the tree's " + release
                        + " (include/generated/utsrelease.h); the tree was changed under the build, or the driver's "
                        + "Makefile overrides the kernel it builds against", diagnostics, Map.of());
                publish(step, outDir, List.of(), log, r, Map.of());
                return r;
            }
            moduleFacts.put(buildDir.relativize(ko).toString(), f);
        }
        // Without Module.symvers modpost cannot check the module's kernel symbols (modules_prepare writes none).
        String symbols = Files.isRegularFile(tree.resolve("Module.symvers")) ? "checked" : "unchecked";
        StepResult r = result(step, StepStatus.BUILT, start, modules.size() + " module(s)", diagnostics,
                Map.of("release", release, "log", outDir.resolve("build.log").toString(), "symbols", symbols));
        publish(step, outDir, modules, log, r, Map.of("release", release, "modules", moduleFacts, "symbols", symbols));
        return r;
    }

    /** The kernel's directories as make sees them: the tree, and the source that {@code make -C} enters. */
    private List<String> kernelDirs(Step step, Path tree) {
        List<String> dirs = new ArrayList<>();
        dirs.add(tree.toString());
        List<String> make = step.commands().get(step.commands().size() - 1);
        int c = make.indexOf("-C");
        if (c >= 0 && c + 1 < make.size()) {
            dirs.add(roots.resolve(make.get(c + 1)));
        }
        return dirs;
    }

    /** The tighter of --step-timeout and the driver's own timeout. */
    private Optional<Duration> effectiveTimeout(Step step) {
        Optional<Duration> driver = Optional.ofNullable(step.attributes().get("timeoutSeconds"))
                .map(s -> Duration.ofSeconds(Long.parseLong(s)));
        if (driver.isPresent() && stepTimeout.isPresent()) {
            return Optional.of(driver.get().compareTo(stepTimeout.get()) < 0 ? driver.get() : stepTimeout.get());
        }
        return driver.or(() -> stepTimeout);
    }

    /** Runs one command; a failure becomes the step's result (with diagnostics when a parser is given). */
    private Optional<StepResult> run(Step step, List<String> argv, Path log, long deadline, long start,
            Optional<KbuildLog> parser) throws IOException, InterruptedException {
        Optional<Duration> timeout = deadline == Long.MAX_VALUE
                ? Optional.empty() : Optional.of(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        List<String> resolved = roots.resolve(argv);
        Files.writeString(log, "$ " + String.join(" ", resolved) + "\n", java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        ProcessResult r;
        try {
            r = runner.run(new ProcessSpec(resolved, step.env(), roots.path(step.cwd()), Optional.of(log), timeout));
        } catch (IOException e) {
            String program = resolved.get(0);
            throw KforgeException.environment(step.id() + ": cannot run " + program + ": " + e.getMessage(),
                    "kforge doctor says which package provides it");
        }
        if (r.succeeded()) {
            return Optional.empty();
        }
        List<Diagnostic> diagnostics = parser.isPresent() ? parser.get().parse(log) : List.of();
        if (r.timedOut()) {
            return Optional.of(result(step, StepStatus.TIMED_OUT, start, "timed out after "
                    + effectiveTimeout(step).map(Duration::toSeconds).orElse(0L) + " s (its processes were killed); see " + log,
                    diagnostics, Map.of("log", log.toString())));
        }
        String first = diagnostics.stream().filter(d -> d.severity() == Diagnostic.Severity.ERROR).findFirst()
                .map(Diagnostic::format)
                .orElse(argv.get(0) + " exited " + r.exitCode() + " (" + lastLines(log, argv.get(0)) + ")");
        return Optional.of(result(step, StepStatus.FAILED, start, first, diagnostics, Map.of("log", log.toString())));
    }

    private static String lastLines(Path log, String program) throws IOException {
        List<String> lines = dev.kforge.core.fs.LogLines.last(log, 3);
        return lines.isEmpty() ? "no output" : String.join(" | ", lines).strip();
    }

    /** Writes the cell's output directory next to its final place, then swaps it in by rename. */
    private void publish(Step step, Path outDir, List<Path> modules, Path log, StepResult r, Map<String, Object> extra)
            throws IOException {
        Path tmp = FileTrees.stagingFor(outDir);
        try {
            for (Path ko : modules) {
                Files.copy(ko, tmp.resolve(ko.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
            if (Files.exists(log)) {
                Files.copy(log, tmp.resolve("build.log"));
            }
            Map<String, Object> meta = new TreeMap<>(extra);
            meta.put("cell", step.id().substring("build/".length()));
            meta.put("step", step.id());
            meta.put("status", r.status().key());
            meta.put("kernel", step.attribute("kernel"));
            meta.put("arch", step.attribute("arch"));
            meta.put("toolchain", step.attribute("toolchain"));
            meta.put("language", step.attribute("language"));
            meta.put("argv", step.commands());
            meta.put("env", step.env());
            meta.put("tools", tools);
            meta.put("durationMs", r.duration().toMillis());
            meta.put("message", r.message());
            Files.writeString(tmp.resolve("metadata.json"), CanonicalJson.write(meta));
            FileTrees.swapIn(tmp, outDir);
            tmp = null;
        } finally {
            if (tmp != null) {
                FileTrees.deleteRecursively(tmp);
            }
        }
    }

    private static StepResult result(Step step, StepStatus status, long start, String message, List<Diagnostic> diagnostics,
            Map<String, String> details) {
        return new StepResult(step.id(), status, Duration.ofNanos(System.nanoTime() - start), message, diagnostics,
                new TreeMap<>(details));
    }
}
