package dev.kforge.core.exec;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What one step did.
 *
 * @param stepId the plan step
 * @param status how it ended
 * @param duration wall-clock time spent on it
 * @param message one line for humans: the reason for a skip, the first error of a failure
 * @param diagnostics errors and warnings parsed from its log
 * @param details facts for reports (log path, artifacts, release, ...)
 */
public record StepResult(
        String stepId,
        StepStatus status,
        Duration duration,
        String message,
        List<Diagnostic> diagnostics,
        SortedMap<String, String> details) {

    public StepResult {
        Objects.requireNonNull(stepId, "stepId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(message, "message");
        diagnostics = List.copyOf(diagnostics);
        details = Collections.unmodifiableSortedMap(new TreeMap<>(details));
    }

    public static StepResult of(String stepId, StepStatus status, Duration duration, String message) {
        return new StepResult(stepId, status, duration, message, List.of(), new TreeMap<>());
    }

    public long warnings() {
        return diagnostics.stream()
                .filter(d -> d.severity() == Diagnostic.Severity.WARNING)
                .count();
    }
}
