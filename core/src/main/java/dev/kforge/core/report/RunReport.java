package dev.kforge.core.report;

import dev.kforge.core.KforgeException;
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
 * @param tests one entry per built cell when the run tested (kforge test, build --test), sorted by cell; empty otherwise
 * @param packages one entry per package the run wrote or meant to (kforge package), sorted by step; empty otherwise
 */
public record RunReport(
        String planHash,
        List<CellReport> cells,
        List<StepResult> prepares,
        List<StepResult> companions,
        boolean environmentFailure,
        List<TestReport> tests,
        List<PackageReport> packages) {

    public RunReport(
            String planHash,
            List<CellReport> cells,
            List<StepResult> prepares,
            List<StepResult> companions,
            boolean environmentFailure,
            List<TestReport> tests) {
        this(planHash, cells, prepares, companions, environmentFailure, tests, List.of());
    }

    public RunReport(
            String planHash,
            List<CellReport> cells,
            List<StepResult> prepares,
            List<StepResult> companions,
            boolean environmentFailure) {
        this(planHash, cells, prepares, companions, environmentFailure, List.of());
    }

    public RunReport {
        tests = List.copyOf(tests);
        packages = List.copyOf(packages);
        Objects.requireNonNull(planHash, "planHash");
        cells = List.copyOf(cells);
        prepares = List.copyOf(prepares);
        companions = List.copyOf(companions);
    }

    public long count(StepStatus status) {
        return cells.stream().filter(c -> c.status() == status).count();
    }

    /** Every step that failed, timed out or was cancelled: cells, tree preparations, cargo companions, tests and packages. */
    public long failedSteps() {
        return cells.stream().filter(CellReport::failed).count()
                + prepares.stream().filter(p -> p.status().failed()).count()
                + companions.stream().filter(c -> c.status().failed()).count()
                + tests.stream().filter(TestReport::failed).count()
                + packages.stream().filter(PackageReport::failed).count();
    }

    /** Packages whose status has this key (written, cached, failed, timed-out, skipped, cancelled). */
    public long countPackages(String key) {
        return packages.stream().filter(p -> p.key().equals(key)).count();
    }

    /** Tests whose status has this key (passed, cached, failed, timed-out, skipped, cancelled). */
    public long countTests(String key) {
        return tests.stream().filter(t -> t.key().equals(key)).count();
    }

    /**
     * Whether a failed step is an error rather than a failure in JUnit's sense: it timed out, or
     * the environment (a tool, a disk) or a bug in kforge stopped it, not the compiler.
     */
    public static boolean error(StepResult r) {
        if (!r.status().failed()) {
            return false;
        }
        return r.status() == StepStatus.TIMED_OUT
                || r.failure()
                        .filter(k -> k == KforgeException.Kind.ENVIRONMENT || k == KforgeException.Kind.INTERNAL)
                        .isPresent();
    }

    /** The cells whose modules were built against a tree without Module.symvers. */
    public List<CellReport> unchecked() {
        return cells.stream().filter(c -> c.symbols().equals("unchecked")).toList();
    }

    /** True when no cell failed, timed out or was cancelled (skips are fine). */
    public boolean success() {
        return failedSteps() == 0;
    }
}
