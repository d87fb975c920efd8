package dev.kforge.rust;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A major.minor.patch version as rustc, bindgen and the kernel's scripts print them. */
record Version(int major, int minor, int patch) implements Comparable<Version> {

    private static final Pattern V = Pattern.compile("(\\d+)\\.(\\d+)(?:\\.(\\d+))?");

    /** The first version-looking word of a line: {@code rustc 1.63.0} and {@code bindgen 0.60.1} both work. */
    static Optional<Version> find(String text) {
        Matcher m = V.matcher(text);
        if (!m.find()) {
            return Optional.empty();
        }
        return Optional.of(new Version(
                Integer.parseInt(m.group(1)),
                Integer.parseInt(m.group(2)),
                m.group(3) == null ? 0 : Integer.parseInt(m.group(3))));
    }

    /** {@code release: 1.63.0} from {@code rustc -vV}. */
    static Optional<Version> fromRustcVerbose(String vV) {
        for (String line : vV.split("\n")) {
            if (line.startsWith("release: ")) {
                return find(line.substring(9));
            }
        }
        return find(vV);
    }

    @Override
    public int compareTo(Version o) {
        if (major != o.major) {
            return Integer.compare(major, o.major);
        }
        if (minor != o.minor) {
            return Integer.compare(minor, o.minor);
        }
        return Integer.compare(patch, o.patch);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }
}
