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
import dev.kforge.core.fs.Staging;
import dev.kforge.core.kernel.ModuleSigning;
import dev.kforge.core.model.SigningKey;
import dev.kforge.core.plan.BuildPlan;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Step;
import dev.kforge.core.report.Reports;
import dev.kforge.core.report.RunReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code kforge build} (and, restoring only, {@code kforge gather}), in phases: select the steps
 * ({@link RunSteps}), check signing, key them, schedule them through the step cache, fold the
 * results ({@link RunFolding}) and write the reports ({@link ReportWriter}).
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
        StepCache stepCache = stepCache(request);
        // What a killed run was staging in out/ (its owner is gone) goes before anything is published.
        Staging.sweepTree(planned.out(), 4);
        List<Step> selected = RunSteps.select(plan, request);
        if (!request.restoreOnly()) {
            checkSigning(selected, roots, request);
        }
        Map<String, StepKeys.StepKey> keys = new StepKeys(roots, plan, memo).compute(selected);
        Map<String, List<Step>> deferred = new LinkedHashMap<>();
        List<Step> steps = request.restoreOnly()
                ? RunSteps.withoutTrees(selected)
                : request.useCache() ? RunSteps.withoutNeedlessTrees(selected, keys, stepCache, deferred) : selected;
        StepExecutor adapters = executors.create(roots, plan.tools(), request.stepTimeout(), request.signingKey());
        StepExecutor real = request.restoreOnly() ? gathering(adapters) : adapters;
        CachingExecutor caching = CachingExecutor.builder()
                .delegate(real)
                .cache(stepCache)
                .roots(roots)
                .keys(keys)
                .lookup(request.useCache())
                .deferredPrepares(deferred)
                .memo(memo)
                .steps(steps)
                .build();
        var executor = new GuardedExecutor(caching, (step, text) -> writeFailureLog(roots, step, text));
        List<StepResult> results = new Scheduler(request.jobs(), request.failFast()).run(steps, executor, progress);
        RunReport report = ExpectedFailures.apply(
                planned.workspace(),
                RunFolding.fold(plan, steps, results, request),
                ReportWriter.versions(planned),
                request.strict());
        ReportWriter.write(planned, report, request, memo);
        try {
            memo.flush();
        } catch (IOException e) {
            // The stat cache is an optimisation: the next run hashes again.
        }
        return report;
    }

    /**
     * Gather mode restores what the shards stored and runs nothing, but for the steps that wait for their
     * dependencies whatever their outcome (a driver's DKMS package): no shard has all of a driver's cells,
     * so those are written here, from every shard's results (Sharding leaves them out of the shards).
     */
    private static StepExecutor gathering(StepExecutor adapters) {
        return (s, context) -> s.gated()
                ? StepResult.of(
                        s.id(),
                        StepStatus.FAILED,
                        Duration.ZERO,
                        "not in the cache: no shard built it (or its upload failed)")
                : adapters.execute(s, context);
    }

    private StepCache stepCache(BuildRequest request) {
        LocalStepCache local = new LocalStepCache(cache.steps());
        return new LookupOnceCache(request.remote()
                .<StepCache>map(r ->
                        new TieredStepCache(local, new HttpStepCache(r.url(), r.header(), r.timeout()), r.readWrite()))
                .orElse(local));
    }

    /** Before anything is built, the signing adapter checks the key, the certificate and every tree signed on. */
    private void checkSigning(List<Step> selected, Roots roots, BuildRequest request) {
        List<Step> signs = selected.stream()
                .filter(s -> s.kind().counted() == Step.Counted.CELL_SIGNATURE)
                .toList();
        if (signs.isEmpty()) {
            return;
        }
        SigningKey key = request.signingKey()
                .orElseThrow(() -> new KforgeException(
                        KforgeException.Kind.INTERNAL,
                        "the plan signs modules but the run was given no key",
                        "report this bug"));
        signing.preflight(key, signs, roots);
    }

    /**
     * The log of a step that met a bug: the directory a step publishes into (a cell's) is replaced
     * by one holding only that log (so no stale module from an earlier run stays listed); any other
     * step's goes to out/logs/.
     */
    static Path writeFailureLog(Roots roots, Step step, String text) throws IOException {
        Optional<String> publish = step.publishDir();
        if (publish.isEmpty()) {
            Path log = roots.path("${out}").resolve("logs").resolve(step.id().replace('/', '_') + ".log");
            Reports.writeAtomically(log, text);
            return log;
        }
        Path dir = roots.path(publish.get());
        Path staged = FileTrees.stagingFor(dir);
        Files.writeString(staged.resolve("build.log"), text);
        FileTrees.swapIn(staged, dir);
        return dir.resolve("build.log");
    }
}
