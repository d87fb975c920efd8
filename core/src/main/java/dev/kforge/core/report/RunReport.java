package dev.kforge.core.report;

import dev.kforge.core.exec.StepResult;
import dev.kforge.core.exec.StepStatus;
import java.util.List;
import java.util.Objects;

/**
 * Everything a run produced, for the reports and the exit code.
 *
 * @param planHash the plan that was run
 * @param cells one entry per cell of the matrix, sorted by cell id
 * @param prepares the tree steps' results
 * @param companions the cargo companion steps' results (test and tool crates)
 * @param environmentFailure whether some step failed for want of a tool, a disk or a permission
 */
public record RunReport(String planHash, List<CellReport> cells, List<StepResult> prepares, List<StepResult> companions,
        boolean environmentFailure) {

    public RunReport {
        Objects.requireNonNull(planHash, "planHash");
        cells = List.copyOf(cells);
        prepares = List.copyOf(prepares);
        companions = List.copyOf(companions);
    }

    public long count(StepStatus status) {
        return cells.stream().filter(c -> c.status() == status).count();
    }

    /** True when no cell failed, timed out or was cancelled (skips are fine). */
    public boolean success() {
        return cells.stream().allMatch(c -> c.status().ok() || c.status() == StepStatus.SKIPPED)
                && prepares.stream().allMatch(p -> p.status().ok() || p.status() == StepStatus.SKIPPED)
                && companions.stream().allMatch(p -> p.status().ok() || p.status() == StepStatus.SKIPPED);
    }
}
