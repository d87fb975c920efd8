package dev.kforge.kbuild;

import dev.kforge.core.KforgeException;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.digest.DigestMemo;
import dev.kforge.core.digest.Fingerprint;
import dev.kforge.core.elf.Elf;
import dev.kforge.core.exec.Artifacts;
import dev.kforge.core.exec.Diagnostic;
import dev.kforge.core.exec.StepContext;
import dev.kforge.core.exec.StepResult;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.json.CanonicalJson;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.plan.ConfigCheck;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.slf4j.LoggerFactory;

/**
 * BUILD steps (cells): skips when the tree lacks a required CONFIG_ option, checks the make
 * variables against those the tree was prepared with, runs the commands with output streamed to a
 * log, parses diagnostics, checks every .ko's ELF machine and vermagic, records whether modpost
 * checked its symbols, and publishes the cell's output directory by rename, so out/ only ever
 * holds complete results.
 */
final class ModuleBuilder {

    private final Roots roots;
    private final Make make;
    private final Catalog catalog;
    private final SortedMap<String, String> tools;
    private final Optional<ProbeMemo> probeMemo;
    private final Optional<DigestMemo> memo;

    ModuleBuilder(
            Roots roots,
            Make make,
            Catalog catalog,
            SortedMap<String, String> tools,
            Optional<ProbeMemo> probeMemo,
            Optional<DigestMemo> memo) {
        this.probeMemo = probeMemo;
        this.memo = memo;
        this.roots = roots;
        this.make = make;
        this.catalog = catalog;
        this.tools = tools;
    }

    StepResult build(Step step, StepContext context) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Path tree = roots.path(step.attribute("tree"));
        Path buildDir = roots.path(step.attribute("buildDir"));
        Path outDir = roots.path(step.attribute("outDir"));
        if (context.fresh()) {
            // --no-cache builds from scratch: the kept build directory (Kbuild's incremental state) goes too.
            FileTrees.deleteRecursively(buildDir);
        }
        Path log = buildDir.resolveSibling(buildDir.getFileName() + ".build.log");
        Files.createDirectories(buildDir.getParent());
        Files.deleteIfExists(log);

        Optional<String> lacking = lackingOptions(step, tree);
        if (lacking.isPresent()) {
            return Make.result(step, StepStatus.SKIPPED, start, lacking.get(), List.of(), Map.of());
        }
        checkMakeVariables(step, tree);

        KbuildLog parser = new KbuildLog(buildDir.toString(), step.attribute("sourcePath"), kernelDirs(step, tree));
        Optional<StepResult> failed = runCommands(step, tree, buildDir, log, parser, start);
        if (failed.isPresent()) {
            publish(step, outDir, List.of(), log, failed.get(), Map.of());
            return failed.get();
        }
        List<Diagnostic> diagnostics = parser.parse(log);
        List<Path> modules = ModuleChecks.modules(buildDir);
        if (modules.isEmpty()) {
            StepResult r = Make.result(
                    step,
                    StepStatus.FAILED,
                    start,
                    "make succeeded but built no .ko (does the Kbuild file set obj-m?); see " + log,
                    diagnostics,
                    Map.of());
            publish(step, outDir, List.of(), log, r, Map.of());
            return r;
        }
        String release = step.attributes().containsKey("release")
                ? step.attribute("release")
                : KernelConfig.utsRelease(tree).orElse("unknown");
        Map<String, Object> moduleFacts = new TreeMap<>();
        Optional<String> problem = checkModules(step, buildDir, modules, release, moduleFacts);
        String kernelCompiler = KernelConfig.read(tree.resolve(".config")).get("CONFIG_CC_VERSION_TEXT");
        diagnostics = withCompilerCheck(diagnostics, modules, kernelCompiler);
        if (problem.isPresent()) {
            StepResult r = Make.result(step, StepStatus.FAILED, start, problem.get(), diagnostics, Map.of());
            publish(step, outDir, List.of(), log, r, Map.of());
            return r;
        }
        // Without Module.symvers modpost cannot check the module's kernel symbols (modules_prepare writes none).
        boolean checked = Files.isRegularFile(tree.resolve("Module.symvers"));
        StepResult r = Make.result(
                        step,
                        StepStatus.BUILT,
                        start,
                        modules.size() + " module(s)",
                        diagnostics,
                        Map.of(
                                "release",
                                release,
                                "log",
                                outDir.resolve("build.log").toString()))
                .with(Artifacts.symbols(checked));
        Map<String, Object> meta = new TreeMap<>(
                Map.of("release", release, "modules", moduleFacts, "symbols", checked ? "checked" : "unchecked"));
        if (!kernelCompiler.isEmpty()) {
            meta.put("kernelCompiler", kernelCompiler);
        }
        Provenance.record(meta, context);
        publish(step, outDir, modules, log, r, meta);
        return r;
    }

    /** The build's diagnostics, with a warning per module whose compiler is not the kernel's. */
    private static List<Diagnostic> withCompilerCheck(
            List<Diagnostic> diagnostics, List<Path> modules, String kernelCompiler) throws IOException {
        List<Diagnostic> out = new ArrayList<>(diagnostics);
        for (Path ko : modules) {
            ModuleChecks.compilerMismatch(ko, Elf.read(ko), kernelCompiler)
                    .ifPresent(m -> out.add(new Diagnostic(Diagnostic.Severity.WARNING, "", 0, 0, m)));
        }
        return out;
    }

    /** Each module's ELF machine and vermagic checked, its facts collected; the first problem, if any. */
    private Optional<String> checkModules(
            Step step, Path buildDir, List<Path> modules, String release, Map<String, Object> facts)
            throws IOException {
        Architecture arch = catalog.requireArch(step.attribute("arch"));
        for (Path ko : modules) {
            Elf elf = Elf.read(ko);
            Optional<String> problem = ModuleChecks.problem(ko, elf, arch, release);
            if (problem.isPresent()) {
                return problem;
            }
            facts.put(buildDir.relativize(ko).toString(), ModuleChecks.facts(ko, elf, arch));
        }
        return Optional.empty();
    }

    /** Why the tree cannot take this driver: the CONFIG_ options it requires that the tree lacks. */
    private static Optional<String> lackingOptions(Step step, Path tree) throws IOException {
        KernelConfig config = KernelConfig.read(tree.resolve(".config"));
        List<String> requires = step.attribute("requires").isEmpty()
                ? List.of()
                : Arrays.asList(step.attribute("requires").split(","));
        List<String> missing = ConfigCheck.missing(config.options(), requires);
        return missing.isEmpty() ? Optional.empty() : Optional.of("kernel tree lacks " + String.join(", ", missing));
    }

    /** A prepared tree remembers its make variables; a build with others would mix two configurations. */
    private static void checkMakeVariables(Step step, Path tree) throws IOException {
        Path marker = tree.resolve(KbuildStepExecutor.MARKER);
        if (!Files.isRegularFile(marker)) {
            return;
        }
        Object stored = ((Map<?, ?>) CanonicalJson.read(Files.readString(marker))).get("makeVariables");
        SortedMap<String, String> mine =
                TreePreparer.makeVariables(step.commands().get(step.commands().size() - 1));
        mine.remove("KRUSTFLAGS");
        if (stored instanceof Map<?, ?> s && !new TreeMap<>(s).equals(new TreeMap<Object, Object>(mine))) {
            throw new KforgeException(
                    KforgeException.Kind.INTERNAL,
                    step.id() + ": make variables " + mine + " differ from those the tree was prepared with " + s,
                    "report this bug");
        }
    }

    /** Runs the step's commands with output in the log; the first failure's result, if any. */
    private Optional<StepResult> runCommands(
            Step step, Path tree, Path buildDir, Path log, KbuildLog parser, long start)
            throws IOException, InterruptedException {
        long deadline = make.deadline(step);
        List<List<String>> commands = step.commands();
        if (startsWithFreshCopy(step)) {
            // The same state as rm -rf, mkdir -p, cp -a, reached incrementally so Kbuild recompiles only what changed.
            commands = commands.subList(FRESH_COPY, commands.size());
            BuildDirSync.Outcome synced = BuildDirSync.sync(
                    roots.path(step.attribute("source")), buildDir, configuration(step, tree, commands));
            Files.writeString(log, "# kforge: " + synced.describe() + "\n");
        }
        Optional<ProbeMemo.Use> probes = Optional.empty();
        if (probeMemo.isPresent()
                && ProbeMemo.supports(
                        kernelDirs(step, tree).stream().map(Path::of).toList())) {
            probes = Optional.of(probeMemo.get().open(probeKey(step, tree)));
        }
        try {
            for (List<String> argv : commands) {
                Optional<StepResult> failed = make.run(
                        step,
                        argv,
                        log,
                        deadline,
                        start,
                        Optional.of(parser),
                        probes.map(ProbeMemo.Use::env).orElse(Map.of()));
                if (failed.isPresent()) {
                    return failed;
                }
            }
            return Optional.empty();
        } finally {
            if (probes.isPresent()) {
                learn(probes.get(), log);
            }
        }
    }

    /** Merges what the make learned into the memo; the memo is an optimisation, so failing to update it fails no build. */
    private void learn(ProbeMemo.Use probes, Path log) {
        try {
            int learned = probeMemo.orElseThrow().learn(probes);
            Files.writeString(
                    log,
                    "# kforge: Kbuild's compiler probes memoised in " + probes.memo()
                            + (learned > 0 ? " (" + learned + " learned)" : "") + "\n",
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            LoggerFactory.getLogger(ModuleBuilder.class)
                    .warn("cannot update Kbuild's probe memo {}: {}", probes.memo(), e.getMessage());
        }
    }

    /** The number of commands that make a fresh copy of the sources: rm -rf, mkdir -p, cp -a. */
    private static final int FRESH_COPY = 3;

    /** Whether the step's commands begin with exactly the fresh copy of its driver's sources into its build directory. */
    static boolean startsWithFreshCopy(Step step) {
        String dir = step.attributes().get("buildDir");
        String source = step.attributes().get("source");
        List<List<String>> c = step.commands();
        return dir != null
                && source != null
                && c.size() > FRESH_COPY
                && c.get(0).equals(List.of("rm", "-rf", dir))
                && c.get(1).equals(List.of("mkdir", "-p", dir))
                && c.get(2).equals(List.of("cp", "-a", source + "/.", dir));
    }

    /**
     * Everything besides the driver's sources that shapes the objects in a build directory: the
     * commands as they run here, the environment, the tools' versions, and the kernel tree's
     * configuration, Module.symvers and preparation marker. Any change starts the directory clean.
     */
    private Digest configuration(Step step, Path tree, List<List<String>> commands) throws IOException {
        Fingerprint f = new Fingerprint("kforge-build-dir", 1);
        f.add(commands.size());
        commands.forEach(c -> f.addStrings(roots.resolve(c)));
        f.addMap(step.env()).addMap(tools).add(step.attributes().getOrDefault("root", ""));
        return treeFiles(
                        f,
                        tree,
                        ".config",
                        "Module.symvers",
                        KbuildStepExecutor.MARKER,
                        "include/generated/utsrelease.h")
                .digest();
    }

    /**
     * Adds each of the tree's files by name and content ("none" when absent), through the run's stat
     * cache when there is one: a Debian tree's Module.symvers is megabytes, digested per cell.
     */
    private Fingerprint treeFiles(Fingerprint f, Path tree, String... names) throws IOException {
        for (String name : names) {
            Path p = tree.resolve(name);
            f.add(name)
                    .add(
                            !Files.isRegularFile(p)
                                    ? "none"
                                    : memo.isPresent()
                                            ? memo.get().of(p).hex()
                                            : Digest.ofFile(p).hex());
        }
        return f;
    }

    /**
     * What Kbuild's compiler probes can depend on besides their command lines (which name the
     * compiler and every flag): the tree, its configuration and preparation, the tools' versions,
     * the toolchain root and the environment. The cell's own directory is not in it, so every cell
     * on one tree and toolchain shares the memo.
     */
    private Digest probeKey(Step step, Path tree) throws IOException {
        Fingerprint f = new Fingerprint("kforge-probe-memo", 1);
        f.add(tree.toString());
        f.addMap(step.env()).addMap(tools).add(step.attributes().getOrDefault("root", ""));
        return treeFiles(f, tree, ".config", KbuildStepExecutor.MARKER).digest();
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

    private void publish(Step step, Path outDir, List<Path> modules, Path log, StepResult r, Map<String, Object> extra)
            throws IOException {
        CellPublisher.publish(step, outDir, modules, log, r, extra, tools);
    }
}
