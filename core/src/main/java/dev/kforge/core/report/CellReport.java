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
 * @param error whether a failure is an error rather than the build saying no (timeout, a missing
 *     tool or disk, a bug in kforge): JUnit's {@code error} as against {@code failure}
 * @param symbols {@code checked} when modpost checked the module's symbols against the tree's
 *     Module.symvers, {@code unchecked} when the tree has none, empty when the cell did not build
 * @param signer who signed the cell's modules (the certificate's common name), empty when they are unsigned
 */
public record CellReport(
        Cell cell,
        StepStatus status,
        Duration duration,
        String message,
        List<Diagnostic> diagnostics,
        String outDir,
        boolean error,
        String symbols,
        String signer) {

    public CellReport(
            Cell cell,
            StepStatus status,
            Duration duration,
            String message,
            List<Diagnostic> diagnostics,
            String outDir,
            boolean error,
            String symbols) {
        this(cell, status, duration, message, diagnostics, outDir, error, symbols, "");
    }

    /** A cell that did not get as far as a build (skipped in planning). */
    public static CellReport skipped(Cell cell, String reason) {
        return new CellReport(cell, StepStatus.SKIPPED, Duration.ZERO, reason, List.of(), "", false, "");
    }

    public CellReport {
        Objects.requireNonNull(cell, "cell");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(message, "message");
        diagnostics = List.copyOf(diagnostics);
        Objects.requireNonNull(outDir, "outDir");
        Objects.requireNonNull(symbols, "symbols");
        Objects.requireNonNull(signer, "signer");
    }

    /** Failed, timed out or cancelled: counted as a failure everywhere. */
    public boolean failed() {
        return status.failed();
    }

    public long warnings() {
        return diagnostics.stream()
                .filter(d -> d.severity() == Diagnostic.Severity.WARNING)
                .count();
    }

    public long errors() {
        return diagnostics.stream()
                .filter(d -> d.severity() == Diagnostic.Severity.ERROR)
                .count();
    }
}
