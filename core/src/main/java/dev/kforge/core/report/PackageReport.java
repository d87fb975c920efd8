package dev.kforge.core.report;

import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.model.Cell;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of writing one package: of one cell (deb, oci) or of one driver's sources (dkms).
 *
 * @param driver the driver packaged
 * @param cell the cell packaged; empty for a package of the driver's sources
 * @param format deb, oci or dkms
 * @param step the PACKAGE step's id
 * @param status BUILT when written, CACHED when restored, FAILED, SKIPPED (its cell or test did not pass; for a
 *     driver's sources, none of its cells did), CANCELLED
 * @param duration time spent
 * @param message what was written, or the first problem
 * @param files what it wrote, relative to out/ (empty unless it succeeded)
 * @param error whether a failure is an error (environment, timeout) rather than the package's content
 */
public record PackageReport(
        String driver,
        Optional<Cell> cell,
        String format,
        String step,
        StepStatus status,
        Duration duration,
        String message,
        List<String> files,
        boolean error) {

    public PackageReport {
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(cell, "cell");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(message, "message");
        files = List.copyOf(files);
    }

    /** What JUnit and tables name it by beside its driver: the cell's target, or "source" for a driver's sources. */
    public String subject() {
        return cell.map(c -> c.target().id()).orElse("source");
    }

    public boolean failed() {
        return status.failed();
    }

    /** How packaging ended, as reports say it: written, cached, failed, timed-out, skipped, cancelled. */
    public String key() {
        return status == StepStatus.BUILT ? "written" : status.key();
    }
}
