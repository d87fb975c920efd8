package dev.kforge.core.exec;

import dev.kforge.core.KforgeException;
import dev.kforge.core.plan.Step;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.LoggerFactory;

/**
 * Runs a DAG of steps in dependency order with at most {@code jobs} at a time. Keep-going by
 * default: a failure blocks only the steps that depend on it (a step that is not {@link Step#gated()}
 * runs once its dependencies have finished, however they ended). With fail-fast, the first failure
 * cancels everything still running. Interrupting the calling thread cancels the run: running
 * steps are interrupted (their process trees are killed by the runner) and the call throws
 * {@link KforgeException.Kind#INTERRUPTED} once they are gone.
 */
public final class Scheduler {

    private final int jobs;
    private final boolean failFast;

    public Scheduler(int jobs, boolean failFast) {
        if (jobs < 1) {
            throw new IllegalArgumentException("jobs must be at least 1");
        }
        this.jobs = jobs;
        this.failFast = failFast;
    }

    /** Runs {@code steps} (a closed DAG) and returns one result per step, in the steps' order. */
    public List<StepResult> run(List<Step> steps, StepExecutor executor, ProgressListener progress) {
        Run run = new Run(steps, progress);
        // Prepare steps unblock the most work, so they go first; then plan order.
        Comparator<Step> priority =
                Comparator.comparing((Step s) -> s.kind().isTree() ? 0 : 1).thenComparing(Step::id);
        List<Step> ready =
                new ArrayList<>(steps.stream().filter(s -> s.deps().isEmpty()).toList());
        ExecutorService pool = Executors.newFixedThreadPool(jobs, r -> {
            Thread t = new Thread(r, "kforge-step");
            t.setDaemon(true);
            return t;
        });
        ExecutorCompletionService<StepResult> completion = new ExecutorCompletionService<>(pool);
        // Futures compare by identity; the map says so.
        IdentityHashMap<Future<StepResult>, Step> running = new IdentityHashMap<>();
        boolean stopping = false;
        try {
            while (run.results.size() < run.total) {
                ready.sort(priority);
                while (!stopping && running.size() < jobs && !ready.isEmpty()) {
                    Step s = ready.remove(0);
                    progress.started(s, run.done.get(), run.total);
                    StepContext context = run.contextOf(s);
                    running.put(completion.submit(() -> executeSafely(s, context, executor)), s);
                }
                if (running.isEmpty()) {
                    // Nothing can run any more: whatever is left is blocked or cancelled.
                    run.cancelRest();
                    break;
                }
                Future<StepResult> f = completion.take();
                Step s = running.remove(f);
                StepResult r = get(f, s);
                run.record(s, r);
                if (!r.status().ok() && failFast) {
                    stopping = true;
                    running.keySet().forEach(x -> x.cancel(true));
                }
                ready.addAll(run.unblocked(s, r));
            }
        } catch (InterruptedException e) {
            running.keySet().forEach(x -> x.cancel(true));
            pool.shutdownNow();
            awaitQuietly(pool);
            Thread.currentThread().interrupt();
            throw new KforgeException(KforgeException.Kind.INTERRUPTED, "interrupted", "");
        } finally {
            pool.shutdownNow();
            awaitQuietly(pool);
        }
        return steps.stream().map(s -> run.results.get(s.id())).toList();
    }

    /** One run's graph and what has finished: results, and how many dependencies each step still waits for. */
    private static final class Run {
        final Map<String, Step> byId = new LinkedHashMap<>();
        final Map<String, Integer> waiting = new HashMap<>();
        final Map<String, List<String>> dependents = new HashMap<>();
        final Map<String, StepResult> results = new HashMap<>();
        final AtomicInteger done = new AtomicInteger();
        final ProgressListener progress;
        final int total;

        Run(List<Step> steps, ProgressListener progress) {
            this.progress = progress;
            this.total = steps.size();
            steps.forEach(s -> byId.put(s.id(), s));
            for (Step s : steps) {
                waiting.put(s.id(), s.deps().size());
                for (String dep : s.deps()) {
                    if (!byId.containsKey(dep)) {
                        throw new IllegalArgumentException(s.id() + " depends on " + dep + ", which is not in the run");
                    }
                    dependents.computeIfAbsent(dep, k -> new ArrayList<>()).add(s.id());
                }
            }
        }

        void record(Step s, StepResult r) {
            results.put(s.id(), r);
            progress.finished(s, r, done.incrementAndGet(), total);
        }

        /**
         * The dependents {@code s} made ready. When it did not succeed, the dependents it gates are blocked
         * instead (and theirs, and so on); a dependent that waits for its dependencies whatever their outcome
         * ({@link Step#gated()}) still counts it as finished.
         */
        List<Step> unblocked(Step s, StepResult r) {
            List<Step> ready = new ArrayList<>();
            for (String d : dependents.getOrDefault(s.id(), List.of())) {
                Step dependent = byId.get(d);
                if (!r.status().ok() && dependent.gated()) {
                    block(dependent, s.id(), ready);
                } else {
                    finishedOne(dependent, ready);
                }
            }
            return ready;
        }

        private void finishedOne(Step dependent, List<Step> ready) {
            if (!results.containsKey(dependent.id()) && waiting.merge(dependent.id(), -1, Integer::sum) == 0) {
                ready.add(dependent);
            }
        }

        void block(Step s, String cause, List<Step> ready) {
            if (results.containsKey(s.id())) {
                return;
            }
            record(s, blocked(s, byId.get(cause), results.get(cause)));
            for (String d : dependents.getOrDefault(s.id(), List.of())) {
                Step dependent = byId.get(d);
                if (dependent.gated()) {
                    block(dependent, cause, ready);
                } else {
                    finishedOne(dependent, ready);
                }
            }
        }

        /** What the executor learns from the run: for an ungated step, how each dependency ended. */
        StepContext contextOf(Step s) {
            if (s.gated()) {
                return StepContext.NONE;
            }
            SortedMap<String, StepStatus> after = new TreeMap<>();
            for (String d : s.deps()) {
                after.put(d, results.get(d).status());
            }
            return StepContext.after(after);
        }

        void cancelRest() {
            for (Step s : byId.values()) {
                if (!results.containsKey(s.id())) {
                    record(
                            s,
                            StepResult.of(
                                    s.id(),
                                    StepStatus.CANCELLED,
                                    Duration.ZERO,
                                    "not run: the run stopped at the first failure (--fail-fast)"));
                }
            }
        }
    }

    private static StepResult executeSafely(Step s, StepContext context, StepExecutor executor)
            throws InterruptedException {
        long start = System.nanoTime();
        try {
            return executor.execute(s, context);
        } catch (InterruptedException e) {
            throw e;
        } catch (KforgeException e) {
            if (e.kind() == KforgeException.Kind.INTERRUPTED) {
                throw new InterruptedException(e.getMessage());
            }
            String hint = e.hint().isEmpty() ? "" : " (" + e.hint() + ")";
            return StepResult.failed(
                    s.id(), Duration.ofNanos(System.nanoTime() - start), e.getMessage() + hint, e.kind());
        } catch (RuntimeException | LinkageError | AssertionError e) {
            // The last line of defence: a bug met in one step fails that step, not the run.
            return GuardedExecutor.internalFailure(s, e, Duration.ofNanos(System.nanoTime() - start), Optional.empty());
        }
    }

    private static StepResult get(Future<StepResult> f, Step s) throws InterruptedException {
        try {
            return f.get();
        } catch (CancellationException e) {
            return StepResult.of(
                    s.id(), StepStatus.CANCELLED, Duration.ZERO, "cancelled: an earlier step failed (--fail-fast)");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof InterruptedException) {
                return StepResult.of(s.id(), StepStatus.CANCELLED, Duration.ZERO, "cancelled");
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("step " + s.id() + " failed unexpectedly", c);
        }
    }

    /**
     * The result of a step that cannot run because {@code cause} did not succeed. A cell whose
     * kernel tree could not be prepared has failed (its build was attempted and cannot happen);
     * one that waited on another driver's cell is skipped, since that cell's failure is counted.
     */
    private static StepResult blocked(Step s, Step cause, StepResult causeResult) {
        if (cause.kind().isTree()
                && causeResult != null
                && (causeResult.status() == StepStatus.FAILED || causeResult.status() == StepStatus.TIMED_OUT)) {
            return new StepResult(
                    s.id(),
                    StepStatus.FAILED,
                    Duration.ZERO,
                    "tree preparation failed: " + cause.id() + ": " + causeResult.message(),
                    List.of(),
                    new TreeMap<>(),
                    causeResult.failure(),
                    Artifacts.NONE);
        }
        return StepResult.of(
                s.id(), StepStatus.SKIPPED, Duration.ZERO, "not built: " + cause.id() + " did not succeed");
    }

    private static void awaitQuietly(ExecutorService pool) {
        try {
            if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
                LoggerFactory.getLogger(Scheduler.class).warn("steps still running 30 s after cancellation");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
