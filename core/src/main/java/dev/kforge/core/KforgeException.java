package dev.kforge.core;

import java.util.Objects;

/**
 * A failure classified by who must act. The {@link Kind} picks the process exit code; the message
 * names the offending value and where it came from; the hint says what to do about it.
 */
public class KforgeException extends RuntimeException {

    /** Who must act, and the exit code that says so. */
    public enum Kind {
        /** The compiler or Kbuild said no. */
        BUILD(1),
        /** Bad manifest, flag or argument. */
        USER_INPUT(2),
        /** Missing tool, unprepared tree, unwritable disk. */
        ENVIRONMENT(3),
        /** A bug in kforge. */
        INTERNAL(4),
        /** Ctrl-C or SIGINT. */
        INTERRUPTED(130);

        private final int exitCode;

        Kind(int exitCode) {
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    private final Kind kind;
    private final String hint;

    public KforgeException(Kind kind, String message, String hint) {
        this(kind, message, hint, null);
    }

    public KforgeException(Kind kind, String message, String hint, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.hint = hint == null ? "" : hint;
    }

    public static KforgeException userInput(String message, String hint) {
        return new KforgeException(Kind.USER_INPUT, message, hint);
    }

    public static KforgeException environment(String message, String hint) {
        return new KforgeException(Kind.ENVIRONMENT, message, hint);
    }

    public Kind kind() {
        return kind;
    }

    /** One line telling the user what to do; empty when there is nothing useful to say. */
    public String hint() {
        return hint;
    }
}
