package dev.kforge.core.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How {@code kforge test} exercises a driver once its modules are loaded into a booted kernel
 * ({@code [driver.test]} in the manifest).
 *
 * @param script workspace-relative shell script run by the guest's busybox sh after loading, in
 *     the directory that holds it; a non-zero exit fails the cell
 * @param params module parameters given to insmod for each of the driver's modules ({@code debug=1})
 * @param timeoutSeconds the limit for one boot, load, script and unload; the guest is killed after it
 */
public record DriverTest(Optional<String> script, String params, long timeoutSeconds) {

    /** The limit for one test VM when the manifest names none. */
    public static final long DEFAULT_TIMEOUT_SECONDS = 120;

    /** A driver without {@code [driver.test]}: loaded and unloaded, no script, the default timeout. */
    public static final DriverTest DEFAULT = new DriverTest(Optional.empty(), "", DEFAULT_TIMEOUT_SECONDS);

    /** A parameter's name, as the kernel's parse_args takes it (dashes and underscores alike). */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]*");

    public DriverTest {
        Objects.requireNonNull(script, "script");
        Objects.requireNonNull(params, "params");
        words(params); // refuses what insmod could not take
        if (timeoutSeconds < 1) {
            throw new IllegalArgumentException("test timeout must be at least 1 second");
        }
    }

    /** The insmod arguments, each passed to insmod as one argument, never through a shell. */
    public List<String> paramWords() {
        return words(params);
    }

    /**
     * Splits insmod parameters as the kernel reads them: words separated by blanks outside double
     * quotes (kept, the kernel strips them: {@code msg="a b"}); each NAME or NAME=VALUE.
     *
     * @throws IllegalArgumentException naming the word (1-based) and what is wrong with it
     */
    public static List<String> words(String params) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < params.length(); i++) {
            char c = params.charAt(i);
            if (Character.isISOControl(c) && c != '\t') {
                throw new IllegalArgumentException("params hold a control character at offset " + i);
            }
            if (c == '"') {
                quoted = !quoted;
            }
            if (!quoted && (c == ' ' || c == '\t')) {
                if (word.length() > 0) {
                    words.add(word.toString());
                    word.setLength(0);
                }
            } else {
                word.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("params have an unclosed double quote");
        }
        if (word.length() > 0) {
            words.add(word.toString());
        }
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            String name = w.contains("=") ? w.substring(0, w.indexOf('=')) : w;
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("params word " + (i + 1) + " '" + w
                        + "' is not NAME or NAME=VALUE (a parameter name is letters, digits, _ . -)");
            }
        }
        return List.copyOf(words);
    }
}
