package dev.kforge.core.report;

import dev.kforge.core.exec.Diagnostic;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.model.Cell;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of one cell: built, cached, failed, timed out, cancelled or skipped (with reason).
 *
 * @param cell driver x target
 * @param status how it ended
 * @param duration time spent
 * @param message the skip reason or first error; for built cells a short summary
 * @param diagnostics parsed compiler and modpost messages
 * @param outDir the cell's output directory relative to out/, empty when it has none
 */
public record CellReport(
        Cell cell, StepStatus status, Duration duration, String message, List<Diagnostic> diagnostics, String outDir) {

    public CellReport {
        Objects.requireNonNull(cell, "cell");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(message, "message");
        diagnostics = List.copyOf(diagnostics);
        Objects.requireNonNull(outDir, "outDir");
    }

    public long warnings() {
        return diagnostics.stream().filter(d -> d.severity() == Diagnostic.Severity.WARNING).count();
    }

    public long errors() {
        return diagnostics.stream().filter(d -> d.severity() == Diagnostic.Severity.ERROR).count();
    }
}
