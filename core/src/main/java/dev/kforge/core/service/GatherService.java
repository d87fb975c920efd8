package dev.kforge.core.service;

import dev.kforge.core.exec.ProgressListener;
import dev.kforge.core.report.RunReport;

/**
 * {@code kforge gather}: after CI shards built their parts, restores every selected cell from the
 * (remote) step cache into one out/ with all reports; runs no make at all, and a cell no shard
 * stored is reported as failed.
 */
public final class GatherService {

    private final BuildService builds;

    public GatherService(BuildService builds) {
        this.builds = builds;
    }

    public RunReport gather(Planned planned, BuildRequest request, ProgressListener progress) {
        BuildRequest restore = BuildRequest.builder()
                .jobs(request.jobs())
                .stepTimeout(request.stepTimeout())
                .junit(request.junit())
                .cells(request.cells())
                .restoreOnly(true)
                .remote(request.remote())
                .build();
        return builds.build(planned, restore, progress);
    }
}
