package dev.kforge.core.model;

import java.util.regex.Pattern;

/** Validation of names that end up in step ids, directory names and argv. */
public final class Names {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,63}");

    private Names() {}

    /** True when {@code s} is safe as one path segment and one argv word. */
    public static boolean isValid(String s) {
        return s != null && NAME.matcher(s).matches() && !s.contains("..");
    }

    public static String require(String what, String s) {
        if (!isValid(s)) {
            throw new IllegalArgumentException(what + " '" + s + "' must match " + NAME.pattern());
        }
        return s;
    }

    /** The rule, for error hints. */
    public static String rule() {
        return "letters, digits, '.', '_', '+', '-'; starting with a letter or digit; at most 64 characters";
    }
}
