package dev.kforge.qemu;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Judges a guest's console: whether the kernel reached /init, every module loaded (insmod's
 * status, with the kernel's own message when it refused), nothing oopsed, hit a BUG or WARNING or a
 * KASAN report, the taint flags hold nothing but O (out-of-tree) and E (unsigned), the test script
 * passed, and every module unloaded. A pure function of the console text.
 *
 * @param passed whether the cell's test passed
 * @param message the first problem, or a one-line summary of a pass
 * @param problems every problem, each with the console line it was read from (1-based, 0 when none)
 * @param kernelMessages the console from /init's start on (kernel messages and markers), for reports
 */
record Verdict(boolean passed, String message, List<Problem> problems, List<String> kernelMessages) {

    /** One thing that failed the test. */
    record Problem(int line, String message) {}

    /** Lines of kernel messages that fail a test wherever they appear after /init starts. */
    static final Pattern BAD = Pattern.compile(
            "Oops|BUG:|WARNING:|Call Trace|KASAN|general protection fault|Kernel panic|kernel BUG|UBSAN:|list_add corruption");

    /** Taint flags by bit (Documentation/admin-guide/tainted-kernels.rst). */
    static final String TAINT_LETTERS = "PFSRMBUDAWCIOELKXTN";

    /** O (out-of-tree module) and E (unsigned module): what loading an out-of-tree module is expected to set. */
    static final long ALLOWED_TAINT = (1L << 12) | (1L << 13);

    private static final Pattern MARKER = Pattern.compile("KFORGE-([A-Z-]+)(?: (.*))?");
    /** printk's timestamp, when the kernel has one. */
    private static final Pattern TIMESTAMP = Pattern.compile("^\\[\\s*\\d+\\.\\d+\\]\\s*");

    Verdict {
        Objects.requireNonNull(message, "message");
        problems = List.copyOf(problems);
        kernelMessages = List.copyOf(kernelMessages);
    }

    /**
     * @param console the guest's console output
     * @param modules the module names in load order
     * @param script whether a test script was to run
     * @param timedOut whether the guest was killed at its timeout
     * @param timeoutSeconds that timeout
     */
    static Verdict judge(String console, List<String> modules, boolean script, boolean timedOut, long timeoutSeconds) {
        String[] lines = console.replace("\r", "").split("\n", -1);
        List<Problem> problems = new ArrayList<>();
        List<String> messages = new ArrayList<>();
        int begin = -1;
        boolean end = false;
        String phase = "boot";
        Optional<Long> taint = Optional.empty();
        List<String> loadedOk = new ArrayList<>();
        List<String> lastLoadLines = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            Matcher m = MARKER.matcher(line);
            boolean marker = m.find();
            if (begin < 0) {
                if (marker && m.group(1).equals("BEGIN")) {
                    begin = i;
                    phase = "load";
                    messages.add(line.substring(m.start()));
                }
                continue;
            }
            messages.add(line);
            if (!marker) {
                String text = TIMESTAMP.matcher(line).replaceFirst("");
                lastLoadLines.add(text);
                if (BAD.matcher(text).find()) {
                    problems.add(new Problem(i + 1, "kernel: " + text.strip()));
                }
                continue;
            }
            String arg = m.group(2) == null ? "" : m.group(2).strip();
            switch (m.group(1)) {
                case "LOAD" -> {
                    phase = "insmod " + arg;
                    lastLoadLines.clear();
                }
                case "INSMOD" -> {
                    String[] p = arg.split(" ");
                    if (p.length == 2 && p[1].equals("0")) {
                        loadedOk.add(p[0]);
                    } else {
                        // What the kernel and insmod said, without the taint notices every out-of-tree module gets.
                        String said = lastLoadLines.stream()
                                .filter(l -> !l.isBlank())
                                .map(String::strip)
                                .filter(l -> !l.contains("loading out-of-tree module taints kernel")
                                        && !l.contains("module verification failed"))
                                .distinct()
                                .reduce((a, b) -> a + "; " + b)
                                .orElse("");
                        problems.add(new Problem(
                                i + 1,
                                "insmod " + p[0] + " failed (exit " + (p.length == 2 ? p[1] : "?") + ")"
                                        + (said.isEmpty() ? "" : ": " + said)));
                    }
                    phase = "load";
                }
                case "SCRIPT-BEGIN" -> phase = "test script";
                case "SCRIPT" -> {
                    if (!arg.equals("0")) {
                        problems.add(new Problem(i + 1, "test script exited " + arg));
                    }
                    phase = "unload";
                }
                case "RMMOD" -> {
                    String[] p = arg.split(" ");
                    phase = "unload";
                    if (!(p.length == 2 && p[1].equals("0"))) {
                        problems.add(new Problem(
                                i + 1,
                                "rmmod " + p[0] + " failed (exit " + (p.length == 2 ? p[1] : "?")
                                        + "): the module cannot be unloaded"));
                    }
                }
                case "TAINT" -> {
                    try {
                        taint = Optional.of(Long.parseLong(arg));
                    } catch (NumberFormatException e) {
                        problems.add(new Problem(i + 1, "unreadable taint value '" + arg + "'"));
                    }
                }
                case "END" -> end = true;
                default -> {}
            }
        }
        if (timedOut) {
            problems.add(
                    0,
                    new Problem(0, "the guest did not finish within " + timeoutSeconds + " s (during " + phase + ")"));
        } else if (begin < 0) {
            problems.add(0, new Problem(0, "the kernel did not reach /init; last console lines: " + tail(lines, 8)));
        } else if (!end) {
            problems.add(new Problem(0, "the guest stopped before /init finished (during " + phase + ")"));
        }
        taint.ifPresent(t -> {
            long bad = t & ~ALLOWED_TAINT;
            if (bad != 0) {
                problems.add(new Problem(0, "kernel tainted " + letters(bad) + " (" + t + ")"));
            }
        });
        if (begin >= 0 && end && !timedOut && loadedOk.size() < modules.size() && problems.isEmpty()) {
            problems.add(new Problem(0, "only " + loadedOk.size() + " of " + modules.size() + " modules were loaded"));
        }
        if (problems.isEmpty()) {
            return new Verdict(
                    true,
                    "loaded " + String.join(", ", modules) + (script ? ", test script passed" : "") + ", unloaded",
                    List.of(),
                    messages);
        }
        return new Verdict(false, problems.get(0).message(), problems, messages);
    }

    /** {@code W, D} for the bits set in {@code taint}. */
    static String letters(long taint) {
        List<String> out = new ArrayList<>();
        for (int bit = 0; bit < 64; bit++) {
            if ((taint & (1L << bit)) != 0) {
                out.add(bit < TAINT_LETTERS.length() ? String.valueOf(TAINT_LETTERS.charAt(bit)) : "bit" + bit);
            }
        }
        return String.join(", ", out);
    }

    private static String tail(String[] lines, int n) {
        List<String> out = new ArrayList<>();
        for (int i = lines.length - 1; i >= 0 && out.size() < n; i--) {
            if (!lines[i].isBlank()) {
                out.add(0, lines[i].strip());
            }
        }
        return out.isEmpty()
                ? "(none: check the kernel image, the machine and the console in the catalog)"
                : String.join(" | ", out);
    }
}
