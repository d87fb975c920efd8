package dev.kforge.core.exec;

import dev.kforge.core.KforgeException;
import dev.kforge.core.plan.Step;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a bug met while running one step (an unexpected exception in kforge or an adapter) into
 * that step's failure: its message goes into the step's log and its result, the stack trace into
 * the debug log (shown with -v), and the other steps go on. The run then ends with exit 1 and
 * every report written, instead of exit 4 and nothing.
 */
public final class GuardedExecutor implements StepExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(GuardedExecutor.class);

    private final StepExecutor delegate;
    private final FailureLog log;

    /** Writes a step's failure text where users look for that step's log. */
    @FunctionalInterface
    public interface FailureLog {
        /** Writes {@code text} as the step's log and returns its path. */
        Path write(Step step, String text) throws IOException;
    }

    public GuardedExecutor(StepExecutor delegate, FailureLog log) {
        this.delegate = delegate;
        this.log = log;
    }

    @Override
    public StepResult execute(Step step, StepContext context) throws InterruptedException {
        long start = System.nanoTime();
        try {
            return delegate.execute(step, context);
        } catch (InterruptedException | KforgeException e) {
            throw e;
        } catch (RuntimeException | LinkageError | AssertionError e) {
            return internalFailure(step, e, Duration.ofNanos(System.nanoTime() - start), Optional.of(log));
        }
    }

    /** A FAILED result for a step that threw {@code e}; the message and trace go to the step's log when there is one. */
    static StepResult internalFailure(Step step, Throwable e, Duration duration, Optional<FailureLog> log) {
        String message = "internal error in kforge: " + e + " (a bug; rerun with -v for the stack trace and report it)";
        LOG.error("{}: {}", step.id(), message);
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        LOG.debug("{}: stack trace:\n{}", step.id(), trace);
        SortedMap<String, String> details = new TreeMap<>();
        if (log.isPresent()) {
            try {
                Path file = log.get().write(step, "kforge: " + message + "\n" + trace);
                details.put("log", file.toString());
                message = message + "; see " + file;
            } catch (IOException | RuntimeException io) {
                LOG.warn("{}: cannot write the failure to its log: {}", step.id(), io.getMessage());
            }
        }
        return new StepResult(
                step.id(),
                StepStatus.FAILED,
                duration,
                message,
                List.of(),
                details,
                Optional.of(KforgeException.Kind.INTERNAL),
                Artifacts.NONE);
    }
}
