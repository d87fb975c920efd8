package dev.kforge.core.service;

import dev.kforge.core.model.SigningKey;
import dev.kforge.core.plan.Sharding;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code kforge build} was asked to do.
 *
 * @param jobs how many steps run at once (and make's -j)
 * @param failFast stop at the first failure instead of keeping going
 * @param stepTimeout limit for one step
 * @param junit where to write JUnit XML, if anywhere
 * @param cells cell id patterns ({@code *} matches within a segment, {@code **} across); empty = all
 * @param useCache false for --no-cache: run every step (results are still stored)
 * @param shard run only this shard of the plan
 * @param restoreOnly gather mode: restore every step from the cache, run nothing
 * @param remote a remote step cache to share results through
 * @param signingKey the key modules are signed with, when the workspace signs (a secret: never printed)
 * @param strict an expected failure ([[xfail]]) that succeeds fails the run
 */
public record BuildRequest(
        int jobs,
        boolean failFast,
        Optional<Duration> stepTimeout,
        Optional<Path> junit,
        List<String> cells,
        boolean useCache,
        Optional<Sharding.Shard> shard,
        boolean restoreOnly,
        Optional<RemoteCache> remote,
        Optional<SigningKey> signingKey,
        boolean strict) {

    /** A request with the defaults: every core, keep going, no timeout, all cells, the cache on. */
    public static Builder builder() {
        return new Builder();
    }

    public BuildRequest {
        if (jobs < 1) {
            throw new IllegalArgumentException("jobs must be at least 1");
        }
        Objects.requireNonNull(stepTimeout, "stepTimeout");
        Objects.requireNonNull(junit, "junit");
        cells = List.copyOf(cells);
        Objects.requireNonNull(shard, "shard");
        Objects.requireNonNull(remote, "remote");
        Objects.requireNonNull(signingKey, "signingKey");
    }

    /** Named settings, each with its default; {@link #build()} validates. */
    public static final class Builder {
        private int jobs = Runtime.getRuntime().availableProcessors();
        private boolean failFast;
        private Optional<Duration> stepTimeout = Optional.empty();
        private Optional<Path> junit = Optional.empty();
        private List<String> cells = List.of();
        private boolean useCache = true;
        private Optional<Sharding.Shard> shard = Optional.empty();
        private boolean restoreOnly;
        private Optional<RemoteCache> remote = Optional.empty();
        private Optional<SigningKey> signingKey = Optional.empty();
        private boolean strict;

        private Builder() {}

        /** How many steps run at once (and make's -j). */
        public Builder jobs(int value) {
            this.jobs = value;
            return this;
        }

        /** Stop at the first failure instead of keeping going. */
        public Builder failFast(boolean value) {
            this.failFast = value;
            return this;
        }

        public Builder stepTimeout(Optional<Duration> value) {
            this.stepTimeout = value;
            return this;
        }

        /** Where to write JUnit XML. */
        public Builder junit(Optional<Path> value) {
            this.junit = value;
            return this;
        }

        /** Cell id patterns; empty: all. */
        public Builder cells(List<String> value) {
            this.cells = value;
            return this;
        }

        /** False for --no-cache: run every step (results are still stored). */
        public Builder useCache(boolean value) {
            this.useCache = value;
            return this;
        }

        public Builder shard(Optional<Sharding.Shard> value) {
            this.shard = value;
            return this;
        }

        /** Gather mode: restore every step from the cache, run nothing. */
        public Builder restoreOnly(boolean value) {
            this.restoreOnly = value;
            return this;
        }

        public Builder remote(Optional<RemoteCache> value) {
            this.remote = value;
            return this;
        }

        /** The key modules are signed with (a secret: never printed). */
        public Builder signingKey(Optional<SigningKey> value) {
            this.signingKey = value;
            return this;
        }

        /** An expected failure that succeeds fails the run (--strict). */
        public Builder strict(boolean value) {
            this.strict = value;
            return this;
        }

        public BuildRequest build() {
            return new BuildRequest(
                    jobs,
                    failFast,
                    stepTimeout,
                    junit,
                    cells,
                    useCache,
                    shard,
                    restoreOnly,
                    remote,
                    signingKey,
                    strict);
        }
    }
}
