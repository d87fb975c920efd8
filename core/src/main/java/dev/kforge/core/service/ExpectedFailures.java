package dev.kforge.core.service;

import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.kernel.VersionOrder;
import dev.kforge.core.model.Cell;
import dev.kforge.core.model.ExpectedFailure;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.Workspace;
import dev.kforge.core.report.CellReport;
import dev.kforge.core.report.RunReport;
import dev.kforge.core.report.TestReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Applies {@code [[xfail]]} to a run's results: a covered cell that failed (to build, or its test)
 * is {@code xfail}, not a failure; one that succeeded is {@code xpass}, a failure only with
 * {@code --strict}. Cells, tests, counts, JSON, JUnit and the exit code then all say the same.
 */
final class ExpectedFailures {

    private ExpectedFailures() {}

    /** The expected failure that covers {@code cell}, if any. */
    static Optional<ExpectedFailure> covering(Workspace ws, Cell cell, String version) {
        return ws.xfail().stream()
                .filter(x -> x.driver().equals(cell.driver()))
                .filter(x -> x.kernel()
                        .map(k -> cell.target().kernel().equals(k)
                                || (cell.target().kernel().startsWith(k + "-")
                                        && ws.kernel(k)
                                                .map(KernelSource::expands)
                                                .orElse(true)))
                        .orElse(true))
                .filter(x -> x.arch().map(a -> a.equals(cell.target().arch())).orElse(true))
                .filter(x -> x.from()
                        .map(f -> VersionOrder.key(version).compareTo(VersionOrder.key(f)) >= 0)
                        .orElse(true))
                .findFirst();
    }

    static RunReport apply(Workspace ws, RunReport run, Map<String, String> versions, boolean strict) {
        if (ws.xfail().isEmpty()) {
            return run;
        }
        List<CellReport> cells = new ArrayList<>();
        List<TestReport> tests = new ArrayList<>(run.tests());
        for (CellReport c : run.cells()) {
            Optional<ExpectedFailure> x = covering(
                    ws, c.cell(), versions.getOrDefault(c.cell().target().kernel(), ""));
            if (x.isEmpty() || c.status() == StepStatus.SKIPPED || c.status() == StepStatus.CANCELLED) {
                cells.add(c);
                continue;
            }
            Optional<TestReport> test =
                    tests.stream().filter(t -> t.cell().equals(c.cell())).findFirst();
            boolean failed = c.failed() || test.map(TestReport::failed).orElse(false);
            String reason = x.get().reason();
            StepStatus status;
            String message;
            if (failed) {
                status = StepStatus.XFAIL;
                message = "expected to fail (" + reason + "): "
                        + (c.failed()
                                ? c.message()
                                : "test: " + test.orElseThrow().message());
            } else if (strict) {
                status = StepStatus.FAILED;
                message = "expected to fail (" + reason + ") but succeeded (--strict)";
            } else {
                status = StepStatus.XPASS;
                message = "expected to fail (" + reason + ") but succeeded";
            }
            cells.add(new CellReport(
                    c.cell(),
                    status,
                    c.duration(),
                    message,
                    c.diagnostics(),
                    c.outDir(),
                    false,
                    c.symbols(),
                    c.signer()));
            test.ifPresent(t -> {
                if (t.failed()) {
                    tests.set(
                            tests.indexOf(t),
                            new TestReport(
                                    t.cell(),
                                    StepStatus.XFAIL,
                                    t.duration(),
                                    "expected to fail (" + reason + "): " + t.message(),
                                    t.problems(),
                                    t.log(),
                                    false,
                                    t.kernelMessages()));
                }
            });
        }
        return new RunReport(run.planHash(), cells, run.prepares(), run.companions(), run.environmentFailure(), tests);
    }
}
