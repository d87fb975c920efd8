package dev.kforge.core.service;

import dev.kforge.core.KforgeException;
import dev.kforge.core.cache.CacheDirs;
import dev.kforge.core.cache.CachingExecutor;
import dev.kforge.core.cache.HttpStepCache;
import dev.kforge.core.cache.TieredStepCache;
import dev.kforge.core.cache.LocalStepCache;
import dev.kforge.core.cache.StepCache;
import dev.kforge.core.cache.StepKeys;
import dev.kforge.core.digest.DigestMemo;
import dev.kforge.core.elf.Elf;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.exec.GuardedExecutor;
import dev.kforge.core.exec.ProgressListener;
import dev.kforge.core.exec.Scheduler;
import dev.kforge.core.exec.StepExecutorFactory;
import dev.kforge.core.exec.StepResult;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.KernelInspector;
import dev.kforge.core.kernel.RustSelection;
import dev.kforge.core.kernel.RustToolchains;
import dev.kforge.core.kernel.RustTools;
import dev.kforge.core.kernel.ToolProbe;
import dev.kforge.core.manifest.ManifestLoader;
import dev.kforge.core.model.Cell;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.Target;
import dev.kforge.core.model.Workspace;
import dev.kforge.core.plan.BuildPlan;
import dev.kforge.core.plan.PlanInput;
import dev.kforge.core.plan.Planner;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Skip;
import dev.kforge.core.plan.Step;
import dev.kforge.core.report.CellReport;
import dev.kforge.core.report.Reports;
import dev.kforge.core.report.RunReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** The one core service the CLI calls: load, plan, build, report. */
public final class KforgeService {

    private final Catalog catalog;
    private final KernelInspector kernels;
    private final RustToolchains rust;
    private final ToolProbe tools;
    private final StepExecutorFactory executors;
    private final CacheDirs cache;
    private final Map<String, String> environment;
    private final java.util.function.ToLongFunction<Path> commitTime;

    /**
     * @param environment the caller's environment (SOURCE_DATE_EPOCH)
     * @param commitTime the last commit time of a workspace, 0 when it is not in version control
     */
    public KforgeService(Catalog catalog, KernelInspector kernels, RustToolchains rust, ToolProbe tools,
            StepExecutorFactory executors, CacheDirs cache, Map<String, String> environment,
            java.util.function.ToLongFunction<Path> commitTime) {
        this.environment = Map.copyOf(environment);
        this.commitTime = commitTime;
        this.catalog = catalog;
        this.kernels = kernels;
        this.rust = rust;
        this.tools = tools;
        this.executors = executors;
        this.cache = cache;
    }

    public Catalog catalog() {
        return catalog;
    }

    public CacheDirs cache() {
        return cache;
    }

    /** Loads the manifest only (no kernel or tool is looked at). */
    public Workspace load(Path manifest, String displayName) {
        return new ManifestLoader(catalog).load(manifest, displayName);
    }

    /** Loads the manifest, reads the kernels it names and the tools it needs, and plans. */
    public Planned plan(Path manifest, String displayName) {
        Workspace ws = load(manifest, displayName);
        Path root = manifest.toAbsolutePath().normalize().getParent();
        Set<String> used = new LinkedHashSet<>();
        Planner.targets(ws).forEach(t -> used.add(t.kernel()));
        SortedMap<String, KernelFacts> facts = new TreeMap<>();
        Map<String, Path> dirs = new TreeMap<>();
        SortedMap<String, Digest> files = new TreeMap<>();
        for (KernelSource k : ws.kernels()) {
            if (!used.contains(k.name())) {
                continue;
            }
            facts.put(k.name(), kernels.inspect(k, root));
            dirs.put(k.name(), kernels.sourceDir(k, root));
            List<String> paths = new ArrayList<>(k.fragments());
            k.config().filter(c -> c.contains("/")).ifPresent(paths::add);
            for (String p : paths) {
                Path f = root.resolve(p);
                if (!Files.isRegularFile(f)) {
                    throw new dev.kforge.core.manifest.ManifestException(k.pos(),
                            "kernel '" + k.name() + "': config file '" + p + "' does not exist",
                            "paths are relative to the manifest's directory");
                }
                files.put(p, Digest.ofFile(f));
            }
        }
        Planner planner = new Planner(catalog);
        SortedMap<String, String> identities = new TreeMap<>();
        planner.tools(ws).parallelStream().forEach(t -> {
            String v = tools.version(t).orElse("not found");
            synchronized (identities) {
                identities.put(t, v);
            }
        });
        SortedMap<String, RustTools> rustTools = new TreeMap<>();
        for (String k : planner.rustKernels(ws, facts)) {
            RustSelection sel = rust.select(facts.get(k), dirs.get(k));
            rustTools.put(k, sel.chosen().orElseThrow(() -> KforgeException.environment(
                    "no Rust toolchain fits kernel '" + k + "' (" + facts.get(k).version() + "); candidates:\n  "
                            + String.join("\n  ", sel.candidates()), sel.hint())));
        }
        BuildPlan plan = planner.plan(new PlanInput(ws, facts, identities, files, rustTools, sourceDateEpoch(root)));
        return new Planned(ws, root, plan, dirs);
    }

    /** SOURCE_DATE_EPOCH when set, else the workspace's last commit time, else 0. */
    private long sourceDateEpoch(Path root) {
        String env = environment.get("SOURCE_DATE_EPOCH");
        if (env != null && env.matches("\\d+")) {
            return Long.parseLong(env);
        }
        return commitTime.applyAsLong(root);
    }

    /** Selects the build steps whose cell matches one of {@code patterns}, with everything they depend on. */
    public static List<Step> select(BuildPlan plan, List<String> patterns) {
        if (patterns.isEmpty()) {
            return plan.steps();
        }
        List<Pattern> regexes = patterns.stream().map(KforgeService::glob).toList();
        Set<String> wanted = new LinkedHashSet<>();
        for (Step s : plan.steps()) {
            plan.cellOf(s).filter(c -> regexes.stream().anyMatch(r -> r.matcher(c.id()).matches()))
                    .ifPresent(c -> closure(plan, s, wanted));
        }
        if (wanted.isEmpty()) {
            throw KforgeException.userInput("no cell matches " + String.join(" ", patterns),
                    "cells are named DRIVER/KERNEL/ARCH-TOOLCHAIN, e.g. hello/v6.1/arm64-gcc; kforge plan --format text lists them");
        }
        return plan.steps().stream().filter(s -> wanted.contains(s.id())).toList();
    }

    private static void closure(BuildPlan plan, Step s, Set<String> acc) {
        if (acc.add(s.id())) {
            s.deps().forEach(d -> closure(plan, plan.step(d).orElseThrow(), acc));
        }
    }

    private static Pattern glob(String p) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '*' && i + 1 < p.length() && p.charAt(i + 1) == '*') {
                sb.append(".*");
                i++;
            } else if (c == '*') {
                sb.append("[^/]*");
            } else {
                sb.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(sb.toString());
    }

    /** Builds the planned workspace and writes the reports into out/. */
    public RunReport build(Planned planned, BuildRequest request, ProgressListener progress) {
        BuildPlan plan = planned.plan();
        Roots roots = new Roots(planned.root(), planned.out(), planned.buildDir(), cache.trees(), planned.kernelDirs(),
                request.jobs());
        LocalStepCache local = new LocalStepCache(cache.steps());
        StepCache stepCache = request.remote().<StepCache>map(r -> new TieredStepCache(local,
                new HttpStepCache(r.url(), r.header()), r.readWrite())).orElse(local);
        List<Step> selected = select(plan, request.cells());
        if (request.shard().isPresent()) {
            var shard = request.shard().get();
            java.util.Set<String> ids = new java.util.HashSet<>(
                    dev.kforge.core.plan.Sharding.split(plan, shard.total()).get(shard.index() - 1));
            selected = selected.stream().filter(s -> ids.contains(s.id())).toList();
        }
        Map<String, StepKeys.StepKey> keys = new StepKeys(roots, plan, new DigestMemo(cache.digests())).compute(selected);
        Map<String, Step> deferred = new LinkedHashMap<>();
        List<Step> steps = request.restoreOnly() ? withoutPrepares(selected)
                : request.useCache() ? withoutNeedlessPrepares(selected, keys, stepCache, deferred) : selected;
        dev.kforge.core.exec.StepExecutor real = request.restoreOnly()
                ? s -> StepResult.of(s.id(), StepStatus.FAILED, Duration.ZERO,
                        "not in the cache: no shard built it (or its upload failed)")
                : executors.create(roots, plan.tools(), request.stepTimeout());
        var executor = new GuardedExecutor(new CachingExecutor(real, stepCache, roots, keys, request.useCache(), deferred),
                (step, text) -> writeFailureLog(roots, step, text));
        List<StepResult> results = new Scheduler(request.jobs(), request.failFast()).run(steps, executor, progress);

        List<CellReport> cells = new ArrayList<>();
        List<StepResult> prepares = new ArrayList<>();
        List<StepResult> companions = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            StepResult r = results.get(i);
            if (s.kind() == Step.Kind.PREPARE) {
                prepares.add(r);
                continue;
            }
            if (s.kind() == Step.Kind.CARGO_TEST || s.kind() == Step.Kind.CARGO_TOOL) {
                companions.add(r);
                continue;
            }
            Cell cell = plan.cellOf(s).orElseThrow();
            String outDir = r.status() == StepStatus.SKIPPED || r.status() == StepStatus.CANCELLED ? ""
                    : cell.target().kernel() + "/" + cell.target().archToolchain() + "/" + cell.driver();
            cells.add(new CellReport(cell, r.status(), r.duration(), r.message(), r.diagnostics(), outDir, RunReport.error(r),
                    r.status().ok() ? r.details().getOrDefault("symbols", "") : ""));
        }
        List<Pattern> wanted = request.cells().stream().map(KforgeService::glob).toList();
        boolean reportSkips = request.shard().map(sh -> sh.index() == 1).orElse(true);
        for (Skip skip : plan.skipped()) {
            if (reportSkips && (wanted.isEmpty() || wanted.stream().anyMatch(w -> w.matcher(skip.cell().id()).matches()))) {
                cells.add(CellReport.skipped(skip.cell(), skip.reason()));
            }
        }
        cells.sort(Comparator.comparing(CellReport::cell));
        boolean environment = results.stream().anyMatch(r -> "ENVIRONMENT".equals(r.details().get("failure")));
        RunReport report = new RunReport(plan.planHash().hex(), cells, prepares, companions, environment);
        writeReports(planned, report, request);
        return report;
    }

    /**
     * The log of a step that met a bug: a cell's out/ directory is replaced by one holding only
     * that log (so no stale module from an earlier run stays listed), any other step's goes to
     * out/logs/.
     */
    static Path writeFailureLog(Roots roots, Step step, String text) throws IOException {
        String outDir = step.attributes().get("outDir");
        if (outDir == null) {
            Path log = roots.path("${out}").resolve("logs").resolve(step.id().replace('/', '_') + ".log");
            Reports.writeAtomically(log, text);
            return log;
        }
        Path dir = roots.path(outDir);
        Path staged = dev.kforge.core.fs.FileTrees.stagingFor(dir);
        Files.writeString(staged.resolve("build.log"), text);
        dev.kforge.core.fs.FileTrees.swapIn(staged, dir);
        return dir.resolve("build.log");
    }

    /**
     * A step expected to come from the cache needs no prepared tree: its PREPARE dependency is
     * deferred (run only should the restore fail), and a PREPARE no remaining step needs is left
     * out, so a fully cached run invokes no make at all.
     */
    private static List<Step> withoutNeedlessPrepares(List<Step> steps, Map<String, StepKeys.StepKey> keys, StepCache cache,
            Map<String, Step> deferred) {
        Map<String, Step> byId = new LinkedHashMap<>();
        steps.forEach(s -> byId.put(s.id(), s));
        List<Step> out = new ArrayList<>();
        for (Step s : steps) {
            StepKeys.StepKey key = keys.get(s.id());
            boolean hit;
            try {
                hit = key != null && cache.lookup(key.key()).isPresent();
            } catch (IOException e) {
                hit = false;
            }
            if (!hit) {
                out.add(s);
                continue;
            }
            List<String> deps = new ArrayList<>();
            for (String d : s.deps()) {
                if (byId.get(d).kind() == Step.Kind.PREPARE) {
                    deferred.put(s.id(), byId.get(d));
                } else {
                    deps.add(d);
                }
            }
            out.add(new Step(s.id(), s.kind(), s.commands(), s.env(), s.cwd(), s.inputs(), s.outputs(), deps, s.attributes()));
        }
        Set<String> needed = new java.util.HashSet<>();
        out.forEach(s -> needed.addAll(s.deps()));
        return out.stream().filter(s -> s.kind() != Step.Kind.PREPARE || needed.contains(s.id())).toList();
    }

    /** Gather mode runs nothing: prepares go, and the steps that waited on them wait no more. */
    private static List<Step> withoutPrepares(List<Step> steps) {
        java.util.Set<String> prepares = new java.util.HashSet<>();
        steps.stream().filter(s -> s.kind() == Step.Kind.PREPARE).forEach(s -> prepares.add(s.id()));
        return steps.stream().filter(s -> !prepares.contains(s.id()))
                .map(s -> new Step(s.id(), s.kind(), s.commands(), s.env(), s.cwd(), s.inputs(), s.outputs(),
                        s.deps().stream().filter(d -> !prepares.contains(d)).toList(), s.attributes()))
                .toList();
    }

    private static void writeReports(Planned planned, RunReport report, BuildRequest request) {
        try {
            Path out = planned.out();
            Reports.writeAtomically(out.resolve("kforge-results.json"), Reports.resultsJson(report));
            List<String> dirs = new ArrayList<>();
            for (Step s : planned.plan().steps()) {
                planned.plan().cellOf(s).ifPresent(c ->
                        dirs.add(c.target().kernel() + "/" + c.target().archToolchain() + "/" + c.driver()));
            }
            String sums = Reports.sha256sums(out, dirs); // every module hashed once, for both files
            Reports.writeAtomically(out.resolve("SHA256SUMS"), sums);
            Reports.writeAtomically(out.resolve("provenance.json"), Reports.provenance(sums, planned.plan(),
                    Path.of(planned.workspace().manifestName()).getFileName().toString()));
            if (request.junit().isPresent()) {
                Reports.writeAtomically(request.junit().get(), Reports.junit(report));
            }
        } catch (IOException e) {
            throw KforgeException.environment("cannot write reports: " + e.getMessage(),
                    "check that the output directory is writable and the disk is not full");
        }
    }

    /**
     * Builds each selected cell twice, bypassing the step cache, in two build directories of
     * different depth and a second apart, and compares the modules byte for byte; for a
     * difference, names the ELF sections that differ.
     */
    public List<Verification> verify(Planned planned, List<String> patterns, int jobs, Path scratch) {
        BuildPlan plan = planned.plan();
        List<Step> steps = select(plan, patterns);
        Roots shared = new Roots(planned.root(), planned.out(), planned.buildDir(), cache.trees(), planned.kernelDirs(), jobs);
        List<Step> prepares = steps.stream().filter(s -> s.kind() == Step.Kind.PREPARE).toList();
        List<Step> builds = steps.stream().filter(s -> s.kind() == Step.Kind.BUILD).map(s -> new Step(s.id(), s.kind(),
                s.commands(), s.env(), s.cwd(), s.inputs(), s.outputs(),
                s.deps().stream().filter(d -> plan.step(d).orElseThrow().kind() != Step.Kind.PREPARE).toList(), s.attributes()))
                .toList();
        Scheduler scheduler = new Scheduler(jobs, false);
        List<StepResult> prepared = scheduler.run(prepares, executors.create(shared, plan.tools(), java.util.Optional.empty()),
                ProgressListener.NONE);
        Path[] outs = {scratch.resolve("a/out"), scratch.resolve("verify-second-run-with-a-longer-path/x/y/b/out")};
        List<List<StepResult>> runs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            if (i == 1) {
                try {
                    Thread.sleep(1100); // another second on the clock for anything that reads it
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new KforgeException(KforgeException.Kind.INTERRUPTED, "interrupted", "");
                }
            }
            Roots roots = new Roots(planned.root(), outs[i], outs[i].resolveSibling("build"), cache.trees(),
                    planned.kernelDirs(), jobs);
            runs.add(scheduler.run(builds, executors.create(roots, plan.tools(), java.util.Optional.empty()), ProgressListener.NONE));
        }
        List<Verification> out = new ArrayList<>();
        for (int i = 0; i < builds.size(); i++) {
            Step s = builds.get(i);
            Cell cell = plan.cellOf(s).orElseThrow();
            String dir = cell.target().kernel() + "/" + cell.target().archToolchain() + "/" + cell.driver();
            StepResult a = runs.get(0).get(i);
            StepResult b = runs.get(1).get(i);
            if (!a.status().ok() || !b.status().ok()) {
                String why = prepared.stream().filter(p -> !p.status().ok()).map(p -> p.stepId() + ": " + p.message())
                        .findFirst().orElse(!a.status().ok() ? a.message() : b.message());
                out.add(new Verification(cell.id(), "", false, List.of(), List.of(), "did not build: " + why));
                continue;
            }
            try (var files = Files.list(outs[0].resolve(dir))) {
                for (Path ko : files.filter(f -> f.getFileName().toString().endsWith(".ko")).sorted().toList()) {
                    Path other = outs[1].resolve(dir).resolve(ko.getFileName());
                    String da = Digest.ofFile(ko).hex();
                    String db = Files.isRegularFile(other) ? Digest.ofFile(other).hex() : "missing";
                    List<String> sections = da.equals(db) || db.equals("missing") ? List.of()
                            : Elf.read(ko).differingSections(Elf.read(other));
                    out.add(new Verification(cell.id(), ko.getFileName().toString(), da.equals(db), List.of(da, db), sections, ""));
                }
            } catch (IOException e) {
                throw KforgeException.environment("verify: " + e.getMessage(), "check free space in " + scratch);
            }
        }
        return out;
    }

    /** Cells by id, for callers that name one. */
    public static Map<String, Step> cellSteps(BuildPlan plan) {
        Map<String, Step> m = new LinkedHashMap<>();
        for (Step s : plan.steps()) {
            plan.cellOf(s).ifPresent(c -> m.put(c.id(), s));
        }
        return m;
    }

    /** The sorted set of targets, re-exported for commands that list them. */
    public static List<Target> targets(Workspace ws) {
        return List.copyOf(Planner.targets(ws));
    }
}
