package dev.kforge.core.exec;

import dev.kforge.core.KforgeException;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
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
 * @param details facts for people (log path, release, ...); core reads none of them
 * @param failure for a failed step: who must act (environment, internal bug, ...), when known
 * @param artifacts what the reports read of what the step made
 */
public record StepResult(
        String stepId,
        StepStatus status,
        Duration duration,
        String message,
        List<Diagnostic> diagnostics,
        SortedMap<String, String> details,
        Optional<KforgeException.Kind> failure,
        Artifacts artifacts) {

    public StepResult {
        Objects.requireNonNull(stepId, "stepId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(message, "message");
        diagnostics = List.copyOf(diagnostics);
        details = Collections.unmodifiableSortedMap(new TreeMap<>(details));
        Objects.requireNonNull(failure, "failure");
        Objects.requireNonNull(artifacts, "artifacts");
    }

    /** A result with no failure class and no artifacts. */
    public StepResult(
            String stepId,
            StepStatus status,
            Duration duration,
            String message,
            List<Diagnostic> diagnostics,
            SortedMap<String, String> details) {
        this(stepId, status, duration, message, diagnostics, details, Optional.empty(), Artifacts.NONE);
    }

    public static StepResult of(String stepId, StepStatus status, Duration duration, String message) {
        return new StepResult(stepId, status, duration, message, List.of(), new TreeMap<>());
    }

    /** A failed step, classified by who must act. */
    public static StepResult failed(String stepId, Duration duration, String message, KforgeException.Kind failure) {
        return new StepResult(
                stepId,
                StepStatus.FAILED,
                duration,
                message,
                List.of(),
                new TreeMap<>(),
                Optional.of(failure),
                Artifacts.NONE);
    }

    /** This result with other artifacts. */
    public StepResult with(Artifacts newArtifacts) {
        return new StepResult(stepId, status, duration, message, diagnostics, details, failure, newArtifacts);
    }

    /** This result as another step's, with another status and duration (a cell's build failed by its signature). */
    public StepResult as(String id, StepStatus newStatus, Duration newDuration) {
        return new StepResult(id, newStatus, newDuration, message, diagnostics, details, failure, artifacts);
    }

    public long warnings() {
        return diagnostics.stream()
                .filter(d -> d.severity() == Diagnostic.Severity.WARNING)
                .count();
    }
}
