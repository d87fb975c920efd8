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
        Optional<SigningKey> signingKey) {

    public BuildRequest(
            int jobs,
            boolean failFast,
            Optional<Duration> stepTimeout,
            Optional<Path> junit,
            List<String> cells,
            boolean useCache,
            Optional<Sharding.Shard> shard,
            boolean restoreOnly,
            Optional<RemoteCache> remote) {
        this(jobs, failFast, stepTimeout, junit, cells, useCache, shard, restoreOnly, remote, Optional.empty());
    }

    /** A plain build of {@code cells} (all when empty). */
    public static BuildRequest of(
            int jobs,
            boolean failFast,
            Optional<Duration> stepTimeout,
            Optional<Path> junit,
            List<String> cells,
            boolean useCache) {
        return new BuildRequest(
                jobs, failFast, stepTimeout, junit, cells, useCache, Optional.empty(), false, Optional.empty());
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
}
