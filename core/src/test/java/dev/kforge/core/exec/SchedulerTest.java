package dev.kforge.core.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kforge.core.KforgeException;
import dev.kforge.core.plan.Step;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SchedulerTest {

    static Step step(String id, String... deps) {
        return new Step(
                id,
                id.startsWith("prepare") ? Step.Kind.PREPARE : Step.Kind.BUILD,
                List.of(List.of("true")),
                new TreeMap<>(),
                "${workspace}",
                List.of(),
                List.of(),
                List.of(deps),
                new TreeMap<>());
    }

    /** Records order and concurrency; fails the steps named in {@code failing}. */
    static final class Recorder implements StepExecutor {
        final List<String> order = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger maxRunning = new AtomicInteger();
        final Set<String> failing;

        Recorder(Set<String> failing) {
            this.failing = failing;
        }

        @Override
        public StepResult execute(Step step, StepContext context) throws InterruptedException {
            int now = running.incrementAndGet();
            maxRunning.accumulateAndGet(now, Math::max);
            TimeUnit.MILLISECONDS.sleep(30);
            order.add(step.id());
            running.decrementAndGet();
            return StepResult.of(
                    step.id(),
                    failing.contains(step.id()) ? StepStatus.FAILED : StepStatus.BUILT,
                    Duration.ofMillis(30),
                    "");
        }
    }

    @Test
    void runsDependenciesFirstAndAtMostJobsAtOnce() {
        List<Step> steps = List.of(
                step("prepare/a"),
                step("prepare/b"),
                step("build/x/a", "prepare/a"),
                step("build/y/a", "prepare/a", "build/x/a"),
                step("build/z/b", "prepare/b"),
                step("build/w/b", "prepare/b"));
        Recorder r = new Recorder(Set.of());
        List<StepResult> results = new Scheduler(2, false).run(steps, r, ProgressListener.NONE);
        assertThat(results).extracting(StepResult::status).containsOnly(StepStatus.BUILT);
        assertThat(results)
                .extracting(StepResult::stepId)
                .containsExactlyElementsOf(steps.stream().map(Step::id).toList());
        assertThat(r.order.indexOf("prepare/a")).isLessThan(r.order.indexOf("build/x/a"));
        assertThat(r.order.indexOf("build/x/a")).isLessThan(r.order.indexOf("build/y/a"));
        assertThat(r.maxRunning.get()).isEqualTo(2);
    }

    @Test
    void keepGoingBlocksOnlyDependents() {
        List<Step> steps = List.of(
                step("prepare/a"),
                step("build/x/a", "prepare/a"),
                step("build/y/a", "build/x/a"),
                step("build/z/a", "prepare/a"));
        List<StepResult> results =
                new Scheduler(1, false).run(steps, new Recorder(Set.of("build/x/a")), ProgressListener.NONE);
        Map<String, StepStatus> byId = new TreeMap<>();
        results.forEach(x -> byId.put(x.stepId(), x.status()));
        assertThat(byId)
                .containsEntry("build/x/a", StepStatus.FAILED)
                .containsEntry("build/y/a", StepStatus.SKIPPED)
                .containsEntry("build/z/a", StepStatus.BUILT);
        assertThat(results.get(2).message()).isEqualTo("not built: build/x/a did not succeed");
    }

    /**
     * A step that is not gated (a driver's DKMS package) runs once every dependency has finished, however it
     * ended, also one blocked by a failure further up, and learns which of them succeeded.
     */
    @Test
    void anUngatedStepRunsAfterItsDependenciesWhateverTheirOutcomeAndIsToldIt() {
        Step after = new Step(
                "package-dkms/x",
                Step.Kind.PACKAGE,
                List.of(List.of("true")),
                new TreeMap<>(),
                "${workspace}",
                List.of(),
                List.of(),
                List.of("build/x/a", "test/x/a", "build/x/b"),
                new TreeMap<>(Map.of(Step.GATE, Step.AFTER_ANY)));
        assertThat(after.gated()).isFalse();
        assertThat(step("build/x/a").gated()).isTrue();
        List<Step> steps = List.of(
                step("prepare/a"),
                step("build/x/a", "prepare/a"),
                step("test/x/a", "build/x/a"),
                step("build/x/b"),
                after);
        Map<String, Map<String, StepStatus>> told = new ConcurrentHashMap<>();
        Recorder recorder = new Recorder(Set.of("build/x/a"));
        StepExecutor telling = (s, context) -> {
            told.put(s.id(), context.after());
            return recorder.execute(s, context);
        };
        List<StepResult> results = new Scheduler(1, false).run(steps, telling, ProgressListener.NONE);
        Map<String, StepStatus> byId = new TreeMap<>();
        results.forEach(x -> byId.put(x.stepId(), x.status()));
        assertThat(byId)
                .containsEntry("build/x/a", StepStatus.FAILED)
                .containsEntry("test/x/a", StepStatus.SKIPPED)
                .containsEntry("build/x/b", StepStatus.BUILT)
                .containsEntry("package-dkms/x", StepStatus.BUILT);
        assertThat(recorder.order.get(recorder.order.size() - 1)).isEqualTo("package-dkms/x");
        assertThat(told.get("package-dkms/x"))
                .containsExactlyEntriesOf(new TreeMap<>(Map.of(
                        "build/x/a",
                        StepStatus.FAILED,
                        "build/x/b",
                        StepStatus.BUILT,
                        "test/x/a",
                        StepStatus.SKIPPED)));
        assertThat(told.get("build/x/b")).isEmpty();
    }

    @Test
    void failFastCancelsTheRest() {
        List<Step> steps = List.of(step("build/a"), step("build/b"), step("build/c"), step("build/d"));
        List<StepResult> results =
                new Scheduler(1, true).run(steps, new Recorder(Set.of("build/a")), ProgressListener.NONE);
        assertThat(results)
                .extracting(StepResult::status)
                .containsExactly(StepStatus.FAILED, StepStatus.CANCELLED, StepStatus.CANCELLED, StepStatus.CANCELLED);
    }

    @Test
    void anExecutorExceptionBecomesAClassifiedFailure() {
        StepExecutor broken = (s, context) -> {
            throw KforgeException.environment("cannot run make", "apt-get install make");
        };
        List<StepResult> results =
                new Scheduler(1, false).run(List.of(step("prepare/a")), broken, ProgressListener.NONE);
        assertThat(results.get(0).status()).isEqualTo(StepStatus.FAILED);
        assertThat(results.get(0).message()).isEqualTo("cannot run make (apt-get install make)");
        assertThat(results.get(0).failure()).contains(KforgeException.Kind.ENVIRONMENT);
    }

    @Test
    void interruptingTheCallerCancelsRunningSteps() throws Exception {
        CountDownLatch started = new CountDownLatch(2); // both steps running before the interrupt
        Set<String> interrupted = ConcurrentHashMap.newKeySet();
        StepExecutor slow = (s, context) -> {
            started.countDown();
            try {
                TimeUnit.SECONDS.sleep(30);
            } catch (InterruptedException e) {
                interrupted.add(s.id());
                throw e;
            }
            return StepResult.of(s.id(), StepStatus.BUILT, Duration.ZERO, "");
        };
        Thread caller = Thread.currentThread();
        Thread t = new Thread(() -> {
            try {
                started.await();
                caller.interrupt();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        t.start();
        long start = System.nanoTime();
        assertThatThrownBy(() -> new Scheduler(2, false)
                        .run(List.of(step("build/a"), step("build/b")), slow, ProgressListener.NONE))
                .isInstanceOfSatisfying(
                        KforgeException.class, e -> assertThat(e.kind()).isEqualTo(KforgeException.Kind.INTERRUPTED));
        Thread.interrupted();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(interrupted).containsExactlyInAnyOrder("build/a", "build/b");
        t.join();
    }
}
