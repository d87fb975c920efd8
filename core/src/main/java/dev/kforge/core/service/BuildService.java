package dev.kforge.core.service;

import dev.kforge.core.KforgeException;
import dev.kforge.core.cache.CacheDirs;
import dev.kforge.core.cache.CachingExecutor;
import dev.kforge.core.cache.HttpStepCache;
import dev.kforge.core.cache.LocalStepCache;
import dev.kforge.core.cache.LookupOnceCache;
import dev.kforge.core.cache.StepCache;
import dev.kforge.core.cache.StepKeys;
import dev.kforge.core.cache.TieredStepCache;
import dev.kforge.core.digest.DigestMemo;
import dev.kforge.core.exec.GuardedExecutor;
import dev.kforge.core.exec.ProgressListener;
import dev.kforge.core.exec.Scheduler;
import dev.kforge.core.exec.StepExecutor;
import dev.kforge.core.exec.StepExecutorFactory;
import dev.kforge.core.exec.StepResult;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.kernel.ModuleSigning;
import dev.kforge.core.model.Cell;
import dev.kforge.core.model.SigningKey;
import dev.kforge.core.plan.BuildPlan;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Sharding;
import dev.kforge.core.plan.Skip;
import dev.kforge.core.plan.Step;
import dev.kforge.core.report.CellReport;
import dev.kforge.core.report.Reports;
import dev.kforge.core.report.RunReport;
import dev.kforge.core.report.TestReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code kforge build} (and, restoring only, {@code kforge gather}): runs the selected steps through
 * the step cache and the scheduler, then assembles and writes the reports.
 */
public final class BuildService {

    private final StepExecutorFactory executors;
    private final CacheDirs cache;

    private final ModuleSigning signing;
    private final DigestMemo memo;

    /** @param memo the run's stat cache (shared with kernel inspection, so its table is read once) */
    public BuildService(StepExecutorFactory executors, CacheDirs cache, ModuleSigning signing, DigestMemo memo) {
        this.executors = executors;
        this.cache = cache;
        this.signing = signing;
        this.memo = memo;
    }

    /** Builds the planned workspace and writes the reports into out/. */
    public RunReport build(Planned planned, BuildRequest request, ProgressListener progress) {
        BuildPlan plan = planned.plan();
        Roots roots = new Roots(
                planned.root(), planned.out(), planned.buildDir(), cache.trees(), planned.kernelDirs(), request.jobs());
        LocalStepCache local = new LocalStepCache(cache.steps());
        StepCache stepCache = new LookupOnceCache(request.remote()
                .<StepCache>map(r -> new TieredStepCache(local, new HttpStepCache(r.url(), r.header()), r.readWrite()))
                .orElse(local));
        List<Step> selected = Selection.select(plan, request.cells());
        if (request.shard().isPresent()) {
            var shard = request.shard().get();
            Set<String> ids = new HashSet<>(Sharding.split(plan, shard.total()).get(shard.index() - 1));
            selected = selected.stream().filter(s -> ids.contains(s.id())).toList();
        }
        if (request.signingKey().isEmpty() && !request.restoreOnly()) {
            // A run given no key signs nothing: kforge ide builds only for the build directories' compile commands.
            selected = selected.stream().filter(s -> s.kind() != Step.Kind.SIGN).toList();
        }
        if (!request.restoreOnly()) {
            checkSigning(selected, roots, request);
        }
        Map<String, StepKeys.StepKey> keys = new StepKeys(roots, plan, memo).compute(selected);
        Map<String, List<Step>> deferred = new LinkedHashMap<>();
        List<Step> steps = request.restoreOnly()
                ? withoutPrepares(selected)
                : request.useCache() ? withoutNeedlessPrepares(selected, keys, stepCache, deferred) : selected;
        StepExecutor real = request.restoreOnly()
                ? s -> StepResult.of(
                        s.id(),
                        StepStatus.FAILED,
                        Duration.ZERO,
                        "not in the cache: no shard built it (or its upload failed)")
                : executors.create(roots, plan.tools(), request.stepTimeout(), request.signingKey());
        var executor = new GuardedExecutor(
                new CachingExecutor(
                        real,
                        stepCache,
                        roots,
                        keys,
                        request.useCache(),
                        deferred,
                        Optional.of(memo),
                        signedBy(plan, steps)),
                (step, text) -> writeFailureLog(roots, step, text));
        List<StepResult> results = new Scheduler(request.jobs(), request.failFast()).run(steps, executor, progress);

        // A signed cell is its build and its signature: a failed signature fails the cell.
        Map<String, StepResult> signatures = new HashMap<>();
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i).kind() == Step.Kind.SIGN) {
                signatures.put(plan.cellOf(steps.get(i)).orElseThrow().id(), results.get(i));
            }
        }
        List<CellReport> cells = new ArrayList<>();
        List<StepResult> prepares = new ArrayList<>();
        List<StepResult> companions = new ArrayList<>();
        List<TestReport> tests = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            StepResult r = results.get(i);
            if (s.kind() == Step.Kind.TEST) {
                tests.add(testReport(plan, s, r));
                continue;
            }
            if (s.kind().isTree()) {
                prepares.add(r);
                continue;
            }
            if (s.kind() == Step.Kind.CARGO_TEST || s.kind() == Step.Kind.CARGO_TOOL) {
                companions.add(r);
                continue;
            }
            if (s.kind() == Step.Kind.SIGN) {
                continue; // counted with its cell's build
            }
            Cell cell = plan.cellOf(s).orElseThrow();
            StepResult signature = signatures.get(cell.id());
            String signer = "";
            if (signature != null && r.status().ok()) {
                if (signature.status().ok()) {
                    signer = signature.details().getOrDefault("signer", "");
                } else {
                    r = new StepResult(
                            r.stepId(),
                            signature.status(),
                            r.duration().plus(signature.duration()),
                            signature.message(),
                            signature.diagnostics(),
                            signature.details());
                }
            }
            String outDir = r.status() == StepStatus.SKIPPED || r.status() == StepStatus.CANCELLED
                    ? ""
                    : cell.target().kernel() + "/" + cell.target().archToolchain() + "/" + cell.driver();
            cells.add(new CellReport(
                    cell,
                    r.status(),
                    r.duration(),
                    r.message(),
                    r.diagnostics(),
                    outDir,
                    RunReport.error(r),
                    r.status().ok() ? results.get(i).details().getOrDefault("symbols", "") : "",
                    signer));
        }
        List<Pattern> wanted = request.cells().stream().map(Selection::glob).toList();
        boolean reportSkips = request.shard().map(sh -> sh.index() == 1).orElse(true);
        for (Skip skip : plan.skipped()) {
            if (reportSkips
                    && (wanted.isEmpty()
                            || wanted.stream()
                                    .anyMatch(w -> w.matcher(skip.cell().id()).matches()))) {
                cells.add(CellReport.skipped(skip.cell(), skip.reason()));
            }
        }
        cells.sort(Comparator.comparing(CellReport::cell));
        for (Skip skip : plan.untested()) {
            if (reportSkips
                    && (wanted.isEmpty()
                            || wanted.stream()
                                    .anyMatch(w -> w.matcher(skip.cell().id()).matches()))) {
                tests.add(TestReport.skipped(skip.cell(), skip.reason()));
            }
        }
        tests.sort(Comparator.comparing(TestReport::cell));
        boolean environment =
                results.stream().anyMatch(r -> "ENVIRONMENT".equals(r.details().get("failure")));
        RunReport report = new RunReport(plan.planHash().hex(), cells, prepares, companions, environment, tests);
        writeReports(planned, report, request, memo);
        try {
            memo.flush();
        } catch (IOException e) {
            // The stat cache is an optimisation: the next run hashes again.
        }
        return report;
    }

    /**
     * Before anything is built: the key can be read and belongs to the certificate, and every headers
     * tree a cell is signed on has its scripts/sign-file (prepared trees get one from CONFIG_MODULE_SIG).
     */
    private void checkSigning(List<Step> selected, Roots roots, BuildRequest request) {
        List<Step> signs =
                selected.stream().filter(s -> s.kind() == Step.Kind.SIGN).toList();
        if (signs.isEmpty()) {
            return;
        }
        SigningKey key = request.signingKey()
                .orElseThrow(() -> new KforgeException(
                        KforgeException.Kind.INTERNAL,
                        "the plan signs modules but the run was given no key",
                        "report this bug"));
        signing.check(key, roots.path(signs.get(0).attribute("cert")));
        for (Step s : signs) {
            if (!s.attribute("tree").startsWith("${trees}/")
                    && !Files.isExecutable(roots.path(s.attribute("signFile")))) {
                throw KforgeException.environment(
                        "kernel '" + s.attribute("kernel") + "' (" + roots.resolve(s.attribute("tree"))
                                + ") has no scripts/sign-file, so its modules cannot be signed",
                        "give that kernel sign = false, or use headers built with CONFIG_MODULE_SIG (Debian's are)");
            }
        }
    }

    private static TestReport testReport(BuildPlan plan, Step s, StepResult r) {
        Cell cell = plan.testedCell(s).orElseThrow();
        String log = "";
        if (r.status() != StepStatus.SKIPPED && r.status() != StepStatus.CANCELLED) {
            String testLog = s.attribute("testLog");
            log = testLog.startsWith("${out}/") ? testLog.substring("${out}/".length()) : testLog;
        }
        String message = r.status() == StepStatus.SKIPPED
                ? "not tested: " + r.message().replaceFirst("^not built: ", "")
                : r.message();
        return new TestReport(
                cell,
                r.status(),
                r.duration(),
                message,
                r.diagnostics(),
                log,
                RunReport.error(r),
                r.details().getOrDefault("kernelMessages", ""));
    }

    /** Each signed cell's BUILD step id to its SIGN step id: the two steps the plan gives one cell. */
    private static Map<String, String> signedBy(BuildPlan plan, List<Step> steps) {
        Map<String, String> signOfCell = new HashMap<>();
        for (Step s : steps) {
            if (s.kind() == Step.Kind.SIGN) {
                plan.cellOf(s).ifPresent(c -> signOfCell.put(c.id(), s.id()));
            }
        }
        Map<String, String> out = new HashMap<>();
        for (Step s : steps) {
            if (s.kind() == Step.Kind.BUILD) {
                plan.cellOf(s).map(c -> signOfCell.get(c.id())).ifPresent(sign -> out.put(s.id(), sign));
            }
        }
        return out;
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
        Path staged = FileTrees.stagingFor(dir);
        Files.writeString(staged.resolve("build.log"), text);
        FileTrees.swapIn(staged, dir);
        return dir.resolve("build.log");
    }

    /**
     * A step expected to come from the cache needs no prepared tree: its PREPARE dependency is
     * deferred (run only should the restore fail), and a PREPARE no remaining step needs is left
     * out, so a fully cached run invokes no make at all.
     */
    private static List<Step> withoutNeedlessPrepares(
            List<Step> steps, Map<String, StepKeys.StepKey> keys, StepCache cache, Map<String, List<Step>> deferred) {
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
            if (s.kind().isTree()) {
                out.add(s); // a tree step restored from the cache still needs its tree in place
                continue;
            }
            List<String> deps = new ArrayList<>();
            List<Step> trees = new ArrayList<>();
            for (String d : s.deps()) {
                if (byId.get(d).kind().isTree()) {
                    trees.add(byId.get(d));
                } else {
                    deps.add(d);
                }
            }
            if (!trees.isEmpty()) {
                deferred.put(s.id(), trees);
            }
            out.add(new Step(
                    s.id(), s.kind(), s.commands(), s.env(), s.cwd(), s.inputs(), s.outputs(), deps, s.attributes()));
        }
        // Tree steps stay only where a remaining step needs them, directly or through another tree step.
        Map<String, Step> outById = new LinkedHashMap<>();
        out.forEach(s -> outById.put(s.id(), s));
        Set<String> needed = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        out.stream().filter(s -> !s.kind().isTree()).forEach(s -> todo.addAll(s.deps()));
        while (!todo.isEmpty()) {
            String id = todo.pop();
            if (needed.add(id) && outById.containsKey(id)) {
                todo.addAll(outById.get(id).deps());
            }
        }
        return out.stream()
                .filter(s -> !s.kind().isTree() || needed.contains(s.id()))
                .toList();
    }

    /** Gather mode runs nothing: prepares go, and the steps that waited on them wait no more. */
    private static List<Step> withoutPrepares(List<Step> steps) {
        Set<String> prepares = new HashSet<>();
        steps.stream().filter(s -> s.kind().isTree()).forEach(s -> prepares.add(s.id()));
        return steps.stream()
                .filter(s -> !prepares.contains(s.id()))
                .map(s -> new Step(
                        s.id(),
                        s.kind(),
                        s.commands(),
                        s.env(),
                        s.cwd(),
                        s.inputs(),
                        s.outputs(),
                        s.deps().stream().filter(d -> !prepares.contains(d)).toList(),
                        s.attributes()))
                .toList();
    }

    private static void writeReports(Planned planned, RunReport report, BuildRequest request, DigestMemo memo) {
        try {
            Path out = planned.out();
            Reports.writeAtomically(out.resolve("kforge-results.json"), Reports.resultsJson(report));
            Set<String> dirs = new LinkedHashSet<>(); // a signed cell has two steps, one directory
            for (Step s : planned.plan().steps()) {
                planned.plan()
                        .cellOf(s)
                        .ifPresent(c ->
                                dirs.add(c.target().kernel() + "/" + c.target().archToolchain() + "/" + c.driver()));
            }
            // every module hashed once, for both files, through the stat cache (a no-op reads no module)
            String sums = Reports.sha256sums(out, new ArrayList<>(dirs), memo);
            Reports.writeAtomically(out.resolve("SHA256SUMS"), sums);
            Reports.writeAtomically(
                    out.resolve("provenance.json"),
                    Reports.provenance(
                            sums,
                            planned.plan(),
                            Path.of(planned.workspace().manifestName())
                                    .getFileName()
                                    .toString(),
                            Optional.of(out)));
            if (request.junit().isPresent()) {
                Reports.writeAtomically(request.junit().get(), Reports.junit(report));
            }
        } catch (IOException e) {
            throw KforgeException.environment(
                    "cannot write reports: " + e.getMessage(),
                    "check that the output directory is writable and the disk is not full");
        }
    }
}
