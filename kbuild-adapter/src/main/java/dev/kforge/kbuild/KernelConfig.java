package dev.kforge.kbuild;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.AbstractMap;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A kernel .config: {@code CONFIG_X=value} lines, and {@code # CONFIG_X is not set} as "n". */
record KernelConfig(Map<String, String> options, String header) {

    private static final Pattern UTS = Pattern.compile("#define\\s+UTS_RELEASE\\s+\"([^\"]+)\"");
    private static final Pattern HEADER = Pattern.compile("^# Linux/(\\S+) (\\S+) Kernel Configuration$");

    /** The release modules built against {@code tree} get in vermagic: include/generated/utsrelease.h. */
    static Optional<String> utsRelease(Path tree) throws IOException {
        Matcher m = UTS.matcher(Files.readString(tree.resolve("include/generated/utsrelease.h")));
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** .config files read in this process, by path, size and mtime: planning reads each tree's several times. */
    private static final Map<String, KernelConfig> READ = new ConcurrentHashMap<>();

    static KernelConfig read(Path file) {
        try {
            var a = Files.readAttributes(file, BasicFileAttributes.class);
            String key = file.toAbsolutePath() + "\0" + a.size() + "\0"
                    + a.lastModifiedTime().to(TimeUnit.NANOSECONDS);
            KernelConfig known = READ.get(key);
            if (known != null) {
                return known;
            }
            KernelConfig c = parse(Files.readString(file));
            READ.put(key, c);
            return c;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static KernelConfig parse(String text) {
        String header = "";
        int from = lineStarting(text, "# Linux/");
        if (from >= 0) {
            int nl = text.indexOf('\n', from);
            String line = text.substring(from, nl < 0 ? text.length() : nl);
            if (HEADER.matcher(line).matches()) {
                header = line;
            }
        }
        return new KernelConfig(new Options(text), header);
    }

    /**
     * The options of one .config, read-only. Planning asks a distribution's .config (10,000 lines)
     * for a handful of options: {@link #get} finds the one line (a string search), and the whole
     * file is parsed only when something iterates over it.
     */
    static final class Options extends AbstractMap<String, String> {
        private final String text;
        private volatile Map<String, String> all;

        Options(String text) {
            this.text = text;
        }

        @Override
        public String get(Object key) {
            if (!(key instanceof String k) || !k.startsWith("CONFIG_") || !name(k, 0, k.length())) {
                return null;
            }
            if (all != null) {
                return all.get(k);
            }
            String set = k + "=";
            int at = lineStarting(text, set);
            if (at >= 0) {
                int from = at + set.length();
                int nl = text.indexOf('\n', from);
                return unquote(text.substring(from, nl < 0 ? text.length() : nl));
            }
            String unset = "# " + k + " is not set";
            int u = lineStarting(text, unset);
            if (u >= 0) {
                int end = u + unset.length();
                if (end == text.length() || text.charAt(end) == '\n') {
                    return "n";
                }
            }
            return null;
        }

        @Override
        public boolean containsKey(Object key) {
            return get(key) != null;
        }

        @Override
        public Set<Entry<String, String>> entrySet() {
            Map<String, String> a = all;
            if (a == null) {
                a = Collections.unmodifiableMap(parseAll(text));
                all = a;
            }
            return a.entrySet();
        }
    }

    /** Where the first line beginning with {@code prefix} begins, or -1. */
    private static int lineStarting(String text, String prefix) {
        if (text.startsWith(prefix)) {
            return 0;
        }
        int at = text.indexOf("\n" + prefix);
        return at < 0 ? -1 : at + 1;
    }

    private static Map<String, String> parseAll(String text) {
        HashMap<String, String> opts = new HashMap<>(16384);
        int n = text.length();
        int from = 0;
        while (from < n) {
            int nl = text.indexOf('\n', from);
            int end = nl < 0 ? n : nl;
            if (text.startsWith("CONFIG_", from)) {
                int eq = text.indexOf('=', from);
                if (eq > from + 7 && eq < end && name(text, from, eq)) {
                    opts.put(text.substring(from, eq), unquote(text.substring(eq + 1, end)));
                }
            } else if (text.startsWith("# CONFIG_", from) && text.startsWith(" is not set", end - 11)) {
                int nameEnd = end - 11;
                if (nameEnd > from + 9 && name(text, from + 2, nameEnd)) {
                    opts.put(text.substring(from + 2, nameEnd), "n");
                }
            }
            from = end + 1;
        }
        return opts;
    }

    /** Whether text[from, to) is CONFIG_ followed by letters, digits and underscores only. */
    private static boolean name(String text, int from, int to) {
        for (int i = from + 7; i < to; i++) {
            char c = text.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
                return false;
            }
        }
        return true;
    }

    /** The SRCARCH the first comment names ({@code # Linux/arm64 6.1.192 Kernel Configuration}). */
    Optional<String> srcArch() {
        Matcher m = HEADER.matcher(header);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    Optional<String> version() {
        Matcher m = HEADER.matcher(header);
        return m.matches() ? Optional.of(m.group(2)) : Optional.empty();
    }

    String get(String option) {
        String v = options.get(option);
        return v == null ? "n" : v;
    }

    boolean enabled(String option) {
        String v = get(option);
        return v.equals("y") || v.equals("m");
    }

    private static String unquote(String v) {
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }
}
