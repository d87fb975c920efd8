package dev.kforge.core.report;

import dev.kforge.core.exec.Diagnostic;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.model.Cell;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of testing one built cell in its booted kernel.
 *
 * @param cell the cell tested
 * @param status BUILT when it passed, CACHED when a passing result was restored, FAILED, TIMED_OUT,
 *     SKIPPED (its kernel cannot boot, or its build did not succeed) or CANCELLED
 * @param duration time spent
 * @param message the first problem, the skip reason, or what passed
 * @param problems every problem found in the guest's console, each with its test.log line
 * @param log the guest console's file relative to out/, empty when the guest did not run
 * @param error whether a failure is an error (timeout, environment) rather than the driver failing
 * @param kernelMessages the console from /init's start: the kernel's messages while loading, testing and unloading
 */
public record TestReport(
        Cell cell,
        StepStatus status,
        Duration duration,
        String message,
        List<Diagnostic> problems,
        String log,
        boolean error,
        String kernelMessages) {

    public TestReport {
        Objects.requireNonNull(cell, "cell");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(message, "message");
        problems = List.copyOf(problems);
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(kernelMessages, "kernelMessages");
    }

    /** A built cell that is not tested, with the reason. */
    public static TestReport skipped(Cell cell, String reason) {
        return new TestReport(cell, StepStatus.SKIPPED, Duration.ZERO, reason, List.of(), "", false, "");
    }

    /** How a test ended, as reports say it: passed, cached, failed, timed-out, skipped, cancelled. */
    public String key() {
        return status == StepStatus.BUILT ? "passed" : status.key();
    }

    public boolean failed() {
        return status.failed();
    }
}
