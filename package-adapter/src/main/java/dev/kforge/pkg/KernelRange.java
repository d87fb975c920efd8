package dev.kforge.pkg;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernels a DKMS package builds on (its BUILD_EXCLUSIVE_KERNEL): from the oldest MAJOR.MINOR a cell of
 * the driver worked on up to, not including, the first newer one on which a cell failed, as a POSIX
 * extended regular expression over {@code uname -r} (DKMS matches it with bash's {@code =~}). With no
 * failure newer than every working kernel, the range stays open: DKMS is for the kernels nobody built for.
 */
final class KernelRange {

    private KernelRange() {}

    /** A kernel's MAJOR.MINOR. */
    record Version(int major, int minor) implements Comparable<Version> {

        private static final Pattern LEADING = Pattern.compile("^([0-9]+)\\.([0-9]+)");

        /** The MAJOR.MINOR a kernel version or release starts with (6.1.158, 6.1.0-28-amd64, 7.3-rc5). */
        static Optional<Version> of(String versionOrRelease) {
            Matcher m = LEADING.matcher(versionOrRelease);
            if (!m.find()) {
                return Optional.empty();
            }
            try {
                return Optional.of(new Version(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }

        @Override
        public int compareTo(Version o) {
            return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
        }

        @Override
        public String toString() {
            return major + "." + minor;
        }
    }

    /**
     * The range from the versions that worked and those that failed.
     *
     * @param from the oldest version that worked
     * @param until the first version newer than every working one on which a cell failed (excluded), if any
     */
    record Range(Version from, Optional<Version> until) {

        /** The range as DKMS's BUILD_EXCLUSIVE_KERNEL: an ERE that {@code uname -r} of a kernel in it matches. */
        String regex() {
            List<String> alternatives = new ArrayList<>();
            if (until.isPresent() && until.get().major() == from.major()) {
                alternatives.add(from.major() + "\\."
                        + group(numbers(from.minor(), until.get().minor())));
            } else {
                alternatives.add(from.major() + "\\." + group(atLeast(from.minor())));
                if (until.isEmpty()) {
                    alternatives.add(group(atLeast(from.major() + 1)) + "\\.[0-9]+");
                } else {
                    if (until.get().major() > from.major() + 1) {
                        alternatives.add(
                                group(numbers(from.major() + 1, until.get().major())) + "\\.[0-9]+");
                    }
                    if (until.get().minor() > 0) {
                        alternatives.add(until.get().major() + "\\."
                                + group(numbers(0, until.get().minor())));
                    }
                }
            }
            return "^(" + String.join("|", alternatives) + ")([.-]|$)";
        }

        /** How the range reads in the generated file's comment. */
        String describe() {
            return until.map(u -> from + " up to, not including, " + u).orElse(from + " and later");
        }
    }

    /** The range, or empty when nothing worked. */
    static Optional<Range> of(Collection<Version> worked, Collection<Version> failed) {
        Optional<Version> oldest = worked.stream().min(Version::compareTo);
        if (oldest.isEmpty()) {
            return Optional.empty();
        }
        Version newest = worked.stream().max(Version::compareTo).orElseThrow();
        Optional<Version> until =
                failed.stream().filter(f -> f.compareTo(newest) > 0).min(Version::compareTo);
        return Optional.of(new Range(oldest.get(), until));
    }

    private static String group(String alternation) {
        return "(" + alternation + ")";
    }

    /** Every number from {@code from} up to, not including, {@code until}, as an alternation. */
    static String numbers(int from, int until) {
        if (from >= until) {
            throw new IllegalArgumentException("empty range " + from + ".." + until);
        }
        List<String> out = new ArrayList<>();
        for (int n = from; n < until; n++) {
            out.add(Integer.toString(n));
        }
        return String.join("|", out);
    }

    /** Every decimal number (no leading zero) of at least {@code n}, as an alternation. */
    static String atLeast(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative " + n);
        }
        String d = Integer.toString(n);
        int len = d.length();
        List<String> out = new ArrayList<>();
        out.add("[1-9][0-9]{" + len + ",}"); // more digits
        for (int i = 0; i < len; i++) {
            int digit = d.charAt(i) - '0';
            if (digit < 9) {
                String rest = len - i - 1 == 0 ? "" : "[0-9]{" + (len - i - 1) + "}";
                out.add(d.substring(0, i) + "[" + (digit + 1) + "-9]" + rest);
            }
        }
        out.add(d);
        return String.join("|", out);
    }
}
