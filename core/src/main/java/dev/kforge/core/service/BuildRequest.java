package dev.kforge.core.service;

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
 */
public record BuildRequest(int jobs, boolean failFast, Optional<Duration> stepTimeout, Optional<Path> junit, List<String> cells,
        boolean useCache) {

    public BuildRequest {
        if (jobs < 1) {
            throw new IllegalArgumentException("jobs must be at least 1");
        }
        Objects.requireNonNull(stepTimeout, "stepTimeout");
        Objects.requireNonNull(junit, "junit");
        cells = List.copyOf(cells);
    }
}
