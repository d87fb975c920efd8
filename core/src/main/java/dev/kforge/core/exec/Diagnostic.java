package dev.kforge.core.exec;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A compiler, Kbuild or modpost message tied to a place.
 *
 * @param severity error or warning
 * @param file the user's file, workspace-relative where it could be mapped back, else as printed
 * @param line 1-based, 0 when unknown
 * @param column 1-based, 0 when unknown
 * @param message the message text
 * @param notes further places that explain it, such as the kernel header where the compiler
 *     reported a diagnostic that kforge moved to the driver's own line
 */
public record Diagnostic(Severity severity, String file, int line, int column, String message, List<String> notes) {

    public Diagnostic(Severity severity, String file, int line, int column, String message) {
        this(severity, file, line, column, message, List.of());
    }

    /** Severity as the compiler says it. */
    public enum Severity {
        ERROR,
        WARNING;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Diagnostic {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(message, "message");
        notes = List.copyOf(notes);
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
