package dev.kforge.kbuild;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A kernel .config: {@code CONFIG_X=value} lines, and {@code # CONFIG_X is not set} as "n". */
record KernelConfig(SortedMap<String, String> options, String header) {

    private static final Pattern SET = Pattern.compile("^(CONFIG_[A-Za-z0-9_]+)=(.*)$");
    private static final Pattern UNSET = Pattern.compile("^# (CONFIG_[A-Za-z0-9_]+) is not set$");
    private static final Pattern UTS = Pattern.compile("#define\\s+UTS_RELEASE\\s+\"([^\"]+)\"");
    private static final Pattern HEADER = Pattern.compile("^# Linux/(\\S+) (\\S+) Kernel Configuration$");

    /** The release modules built against {@code tree} get in vermagic: include/generated/utsrelease.h. */
    static Optional<String> utsRelease(Path tree) throws IOException {
        Matcher m = UTS.matcher(Files.readString(tree.resolve("include/generated/utsrelease.h")));
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** .config files read in this process, by path, size and mtime: planning reads each tree's several times. */
    private static final java.util.Map<String, KernelConfig> READ = new java.util.concurrent.ConcurrentHashMap<>();

    static KernelConfig read(Path file) {
        try {
            var a = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
            String key = file.toAbsolutePath() + "\0" + a.size() + "\0" + a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS);
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
        SortedMap<String, String> opts = new TreeMap<>();
        String header = "";
        for (String line : text.split("\n")) {
            // SET and UNSET by hand where a line can match at all: a distribution's .config has 10,000 lines.
            if (line.startsWith("CONFIG_")) {
                Matcher m = SET.matcher(line);
                if (m.matches()) {
                    opts.put(m.group(1), unquote(m.group(2)));
                }
                continue;
            }
            if (line.startsWith("# CONFIG_") && line.endsWith(" is not set")) {
                Matcher m = UNSET.matcher(line);
                if (m.matches()) {
                    opts.put(m.group(1), "n");
                }
                continue;
            }
            if (header.isEmpty() && line.startsWith("# Linux/") && HEADER.matcher(line).matches()) {
                header = line;
            }
        }
        return new KernelConfig(opts, header);
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
        return options.getOrDefault(option, "n");
    }

    boolean enabled(String option) {
        String v = get(option);
        return v.equals("y") || v.equals("m");
    }

    private static String unquote(String v) {
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
    }
}
