package dev.kforge.core.report;

import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.model.Cell;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of packaging one cell in one format.
 *
 * @param cell the cell packaged
 * @param format deb or oci
 * @param step the PACKAGE step's id
 * @param status BUILT when written, CACHED when restored, FAILED, SKIPPED (its cell or test did not pass), CANCELLED
 * @param duration time spent
 * @param message what was written, or the first problem
 * @param files what it wrote, relative to out/ (empty unless it succeeded)
 * @param error whether a failure is an error (environment, timeout) rather than the package's content
 */
public record PackageReport(
        Cell cell,
        String format,
        String step,
        StepStatus status,
        Duration duration,
        String message,
        List<String> files,
        boolean error) {

    public PackageReport {
        Objects.requireNonNull(cell, "cell");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(message, "message");
        files = List.copyOf(files);
    }

    public boolean failed() {
        return status.failed();
    }

    /** How packaging ended, as reports say it: written, cached, failed, timed-out, skipped, cancelled. */
    public String key() {
        return status == StepStatus.BUILT ? "written" : status.key();
    }
}
