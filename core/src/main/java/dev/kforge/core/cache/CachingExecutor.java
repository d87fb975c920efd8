package dev.kforge.core.cache;

import dev.kforge.core.KforgeException;
import dev.kforge.core.cache.StepKeys.StepKey;
import dev.kforge.core.digest.DigestMemo;
import dev.kforge.core.digest.Fingerprint;
import dev.kforge.core.exec.StepContext;
import dev.kforge.core.exec.StepExecutor;
import dev.kforge.core.exec.StepResult;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.plan.Output;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Step;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Serves cacheable steps from a {@link StepCache}, as Bazel's SpawnCache serves spawns: on a hit the
 * step's declared outputs are restored (verified blob by blob, directories published by rename) and
 * no process runs; on a miss the step runs and a successful result is stored with exactly its
 * declared outputs. It knows no step kind beyond {@link Step.Kind#cacheable()} and no tool's files.
 */
public final class CachingExecutor implements StepExecutor {

    private final StepExecutor delegate;
    private final StepCache cache;
    private final Roots roots;
    private final Map<String, StepKey> keys;
    private final boolean lookup;
    private final Map<String, List<Step>> deferredPrepares;
    private final DeclaredOutputs outputs;
    /** A step whose outputs a later step (its dependent) rewrites in place: that step, by id. */
    private final Map<String, Step> overwrittenBy;

    private CachingExecutor(Builder b) {
        this.delegate = b.delegate;
        this.cache = b.cache;
        this.roots = b.roots;
        this.keys = Map.copyOf(b.keys);
        this.lookup = b.lookup;
        this.deferredPrepares = Map.copyOf(b.deferredPrepares);
        this.outputs = new DeclaredOutputs(b.roots, b.memo, b.steps);
        this.overwrittenBy = overwrites(b.steps);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public StepResult execute(Step step, StepContext context) throws InterruptedException {
        StepKey planned = keys.get(step.id());
        if (planned == null) {
            return delegate.execute(step, context);
        }
        StepKey key = withOutcomes(planned, context);
        // Two kforge processes building or testing the same workspace take turns per cell directory:
        // the second finds the first one's result in the cache instead of removing its work mid-build,
        // and a test never reads modules another run is replacing.
        Optional<String> publish = cellDir(step);
        if (publish.isPresent()) {
            try (FileLock lock = FileLock.acquire(lockFile(publish.get()))) {
                return executeLocked(step, key, context);
            }
        }
        return executeLocked(step, key, context);
    }

    /**
     * A step that runs whatever its dependencies' outcomes is made from those that succeeded: which ones
     * did keys it too, so a package written while a cell was failing is not restored once it passes.
     */
    private static StepKey withOutcomes(StepKey key, StepContext context) {
        if (context.after().isEmpty()) {
            return key;
        }
        Fingerprint f = new Fingerprint("kforge-step-after", 1).add(key.key());
        // Success, failure or neither (skipped, cancelled): restored and built alike are success.
        context.after()
                .forEach((dep, status) ->
                        f.add(dep).add(status.ok() ? "ok" : status.ranAndFailed() ? "failed" : "neither"));
        return new StepKey(f.digest(), key.inputs());
    }

    /** The directory under ${out} a step publishes, or publishes a file into (a test's log). */
    private static Optional<String> cellDir(Step step) {
        return step.publishDir()
                .or(() -> step.declaredOutputs().stream()
                        .map(Output::path)
                        .filter(p -> p.startsWith("${out}/") && p.indexOf('/', "${out}/".length()) > 0)
                        .map(p -> p.substring(0, p.lastIndexOf('/')))
                        .findFirst());
    }

    private Path lockFile(String publishDir) {
        String name = publishDir.substring("${out}/".length()).replace('/', '%');
        return roots.path("${build}").resolve(".locks").resolve(name + ".lock");
    }

    private StepResult executeLocked(Step step, StepKey key, StepContext context) throws InterruptedException {
        long start = System.nanoTime();
        try {
            if (lookup) {
                Optional<StepCache.ActionEntry> entry = cache.lookup(key.key());
                if (entry.isPresent() && restoreOrKeep(step, entry.get())) {
                    StepResult stored = ResultCodec.read(step.id(), entry.get().result());
                    return stored.as(step.id(), StepStatus.CACHED, Duration.ofNanos(System.nanoTime() - start));
                }
            }
            for (Step prepare : deferredPrepares.getOrDefault(step.id(), List.of())) {
                StepResult p = delegate.execute(prepare, StepContext.NONE);
                if (!p.status().ok()) {
                    return new StepResult(
                            step.id(),
                            StepStatus.FAILED,
                            p.duration(),
                            "tree preparation failed: " + prepare.id() + ": " + p.message(),
                            p.diagnostics(),
                            p.details(),
                            p.failure(),
                            p.artifacts());
                }
            }
            StepResult r = delegate.execute(
                    step, new StepContext(!lookup, Optional.of(key.key().hex()), key.inputs(), context.after()));
            if (r.status() == StepStatus.BUILT) {
                cache.store(key.key(), outputs.collect(step), ResultCodec.write(r));
            }
            return r;
        } catch (IOException e) {
            throw KforgeException.environment(
                    step.id() + ": step cache: " + e.getMessage(),
                    "check free space in the cache directory, or run with --no-cache");
        }
    }

    /**
     * Leaves outputs that already hold the entry's files alone (a no-op run); restores them
     * otherwise. A step a later one rewrites in place is in place when the later step's stored
     * outputs are: restoring the unsigned modules only for their signature to replace them again
     * was most of a signed workspace's no-op.
     */
    private boolean restoreOrKeep(Step step, StepCache.ActionEntry entry) throws IOException {
        Map<Output, StepCache.ActionEntry> entryFor = new HashMap<>();
        step.declaredOutputs().forEach(o -> entryFor.put(o, entry));
        if (outputs.inPlace(step, entryFor)) {
            return true;
        }
        Step later = overwrittenBy.get(step.id());
        StepKey laterKey = later == null ? null : keys.get(later.id());
        if (laterKey != null) {
            Optional<StepCache.ActionEntry> laterEntry = cache.lookup(laterKey.key());
            if (laterEntry.isPresent()) {
                Set<Output> rewritten = Set.copyOf(later.declaredOutputs());
                step.declaredOutputs().stream()
                        .filter(rewritten::contains)
                        .forEach(o -> entryFor.put(o, laterEntry.get()));
                if (outputs.inPlace(step, entryFor)) {
                    return true;
                }
            }
        }
        return outputs.restore(step, entry, cache); // a missing or corrupt blob is logged, and rebuilt
    }

    /** Each step whose declared outputs a step depending on it declares too (a cell's build and its signature). */
    private static Map<String, Step> overwrites(List<Step> steps) {
        Map<String, Step> byId = new LinkedHashMap<>();
        steps.forEach(s -> byId.put(s.id(), s));
        Map<String, Step> out = new HashMap<>();
        for (Step later : steps) {
            for (String dep : later.deps()) {
                Step earlier = byId.get(dep);
                if (earlier != null && earlier.declaredOutputs().stream().anyMatch(later.declaredOutputs()::contains)) {
                    out.put(earlier.id(), later);
                }
            }
        }
        return out;
    }

    /** Named settings; {@link #build()} says which required one is missing. */
    public static final class Builder {
        private StepExecutor delegate;
        private StepCache cache;
        private Roots roots;
        private Map<String, StepKey> keys = Map.of();
        private boolean lookup = true;
        private Map<String, List<Step>> deferredPrepares = Map.of();
        private Optional<DigestMemo> memo = Optional.empty();
        private List<Step> steps = List.of();

        private Builder() {}

        /** What runs a step the cache cannot serve. */
        public Builder delegate(StepExecutor value) {
            this.delegate = value;
            return this;
        }

        public Builder cache(StepCache value) {
            this.cache = value;
            return this;
        }

        public Builder roots(Roots value) {
            this.roots = value;
            return this;
        }

        /** The cacheable steps' keys; a step without one is passed through. */
        public Builder keys(Map<String, StepKey> value) {
            this.keys = value;
            return this;
        }

        /** False for --no-cache: always run, from a fresh working state; still store. */
        public Builder lookup(boolean value) {
            this.lookup = value;
            return this;
        }

        /**
         * For steps whose tree steps were left out because they were expected to hit: the tree steps
         * to run first should the restore fail after all.
         */
        public Builder deferredPrepares(Map<String, List<Step>> value) {
            this.deferredPrepares = value;
            return this;
        }

        /** The run's stat cache: with it, outputs already in place are left as they are. */
        public Builder memo(DigestMemo value) {
            this.memo = Optional.of(value);
            return this;
        }

        /** Every step of the run: whose outputs lie inside whose, and which step rewrites which. */
        public Builder steps(List<Step> value) {
            this.steps = List.copyOf(value);
            return this;
        }

        public CachingExecutor build() {
            List<String> missing = new ArrayList<>();
            if (delegate == null) {
                missing.add("delegate");
            }
            if (cache == null) {
                missing.add("cache");
            }
            if (roots == null) {
                missing.add("roots");
            }
            if (!missing.isEmpty()) {
                throw new IllegalStateException("CachingExecutor needs " + String.join(", ", missing));
            }
            Objects.requireNonNull(keys, "keys");
            return new CachingExecutor(this);
        }
    }
}
