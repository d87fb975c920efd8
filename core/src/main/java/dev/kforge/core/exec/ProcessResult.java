package dev.kforge.core.exec;

import java.time.Duration;
import java.util.Objects;

/**
 * How a process ended. A non-zero exit is a result, not an exception.
 *
 * @param exitCode the exit status (-1 when it could not be started or was killed)
 * @param timedOut whether the runner killed it at the timeout
 * @param duration wall-clock time
 * @param output captured stdout and stderr when the spec had no log (at most 1 MiB), else empty
 */
public record ProcessResult(int exitCode, boolean timedOut, Duration duration, String output) {

    public ProcessResult {
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(output, "output");
    }

    public boolean succeeded() {
        return exitCode == 0 && !timedOut;
    }
}
