package dev.kforge.core.model;

import java.util.regex.Pattern;

/** Validation of names that end up in step ids, directory names and argv. */
public final class Names {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,63}");

    private Names() {}

    /** True when {@code s} is safe as one path segment and one argv word. */
    public static boolean isValid(String s) {
        // NAME by hand: this runs for every target and cell of a plan, and a regex match costs more than the plan's
        // logic.
        if (s == null || s.isEmpty() || s.length() > 64 || !alnum(s.charAt(0)) || s.contains("..")) {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!alnum(c) && c != '.' && c != '_' && c != '+' && c != '-') {
                return false;
            }
        }
        return true;
    }

    private static boolean alnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
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
