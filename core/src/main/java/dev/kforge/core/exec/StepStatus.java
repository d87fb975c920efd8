package dev.kforge.core.exec;

import java.util.Locale;

/** How a step ended. */
public enum StepStatus {
    /** Ran and succeeded. */
    BUILT,
    /** Outputs restored without running anything. */
    CACHED,
    /** Ran and failed (the compiler or Kbuild said no). */
    FAILED,
    /** Killed at its timeout. */
    TIMED_OUT,
    /** Not run: it does not apply, or a step it depends on did not succeed. */
    SKIPPED,
    /** Not run or stopped because the run was interrupted or failed fast. */
    CANCELLED,
    /** Failed as the manifest expects ([[xfail]]): reported, not counted as a failure. */
    XFAIL,
    /** Expected to fail, and succeeded: reported (a failure only with --strict). */
    XPASS;

    public String key() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public boolean ok() {
        return this == BUILT || this == CACHED || this == XPASS;
    }

    /**
     * Ran and did not make it (failed or timed out): what a step that waits for others whatever their outcome
     * counts against them; a skipped or cancelled one never ran, a restored one succeeded.
     */
    public boolean ranAndFailed() {
        return this == FAILED || this == TIMED_OUT;
    }

    /** Failed, timed out or cancelled: counted as a failure in every report and the exit code. */
    public boolean failed() {
        return this == FAILED || this == TIMED_OUT || this == CANCELLED;
    }
}
