package dev.kforge.core.exec;

import java.util.Objects;

/**
 * A compiler, Kbuild or modpost message tied to a place.
 *
 * @param severity error or warning
 * @param file the user's file, workspace-relative where it could be mapped back, else as printed
 * @param line 1-based, 0 when unknown
 * @param column 1-based, 0 when unknown
 * @param message the message text
 */
public record Diagnostic(Severity severity, String file, int line, int column, String message) {

    /** Severity as the compiler says it. */
    public enum Severity {
        ERROR,
        WARNING;

        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Diagnostic {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(message, "message");
    }

    /** {@code drivers/hello/hello.c:12:5: error: expected ';'}. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        if (!file.isEmpty()) {
            sb.append(file);
            if (line > 0) {
                sb.append(':').append(line);
                if (column > 0) {
                    sb.append(':').append(column);
                }
            }
            sb.append(": ");
        }
        return sb.append(severity.key()).append(": ").append(message).toString();
    }
}
