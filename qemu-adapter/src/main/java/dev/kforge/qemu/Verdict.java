package dev.kforge.qemu;

import dev.kforge.core.fs.LogLines;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
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
 * passed, and every module unloaded. A pure function of the console text and this boot's nonce.
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

    /** Problems kept in a verdict; a console full of warnings is counted, not held. */
    static final int MAX_PROBLEMS = 50;

    /** Kernel messages kept for the reports: the last ones. */
    static final int KEPT_MESSAGES = 200;

    /** printk's timestamp, when the kernel has one. */
    private static final Pattern TIMESTAMP = Pattern.compile("^\\[\\s*\\d+\\.\\d+\\]\\s*");
    /** A kernel message the serial console printed into the middle of a marker line, before its newline. */
    private static final Pattern EMBEDDED_MESSAGE = Pattern.compile("\\[\\s*\\d+\\.\\d+\\]");

    /** What QEMU prints when -accel kvm is asked for and /dev/kvm cannot be used. */
    static final String NO_KVM = "Could not access KVM kernel module";

    Verdict {
        Objects.requireNonNull(message, "message");
        problems = List.copyOf(problems);
        kernelMessages = List.copyOf(kernelMessages);
    }

    /**
     * Judges a console held in memory (tests); {@link Judge} streams one from a file.
     *
     * @param console the guest's console output
     * @param modules the module names in load order
     * @param script whether a test script was to run
     * @param timedOut whether the guest was killed at its timeout
     * @param timeoutSeconds that timeout
     * @param nonce this boot's secret, which only /init's markers carry
     */
    static Verdict judge(
            String console, List<String> modules, boolean script, boolean timedOut, long timeoutSeconds, String nonce) {
        Judge judge = new Judge(modules, script, nonce);
        try (LogLines lines = new LogLines(new StringReader(console), LogLines.MAX_LINE)) {
            String line;
            while ((line = lines.readLine()) != null) {
                judge.line(line);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return judge.verdict(timedOut, timeoutSeconds);
    }

    /**
     * Judges a console line by line in bounded memory: at most {@link #MAX_PROBLEMS} problems (and
     * a count of the rest), the last {@link #KEPT_MESSAGES} kernel messages, lines cut at
     * {@link LogLines#MAX_LINE}. Only lines carrying this boot's nonce are markers: the harness's
     * /init knows it, a test script or a module does not, so nothing they print is read as a marker.
     * The markers must come in the order /init prints them.
     */
    static final class Judge {
        private final List<String> modules;
        private final boolean script;
        private final Pattern marker;
        private final String tag;
        private final List<Problem> problems = new ArrayList<>();
        private int droppedProblems;
        private final ArrayDeque<String> messages = new ArrayDeque<>();
        private final ArrayDeque<String> tail = new ArrayDeque<>();
        private final ArrayDeque<String> lastLoadLines = new ArrayDeque<>();
        private final List<String> loadedOk = new ArrayList<>();
        private int lineNo;
        private boolean begun;
        private boolean end;
        private boolean noKvm;
        private String previous = "";
        private String phase = "boot";
        private Optional<Long> taint = Optional.empty();

        Judge(List<String> modules, boolean script, String nonce) {
            this.modules = List.copyOf(modules);
            this.script = script;
            this.tag = "@" + nonce + " ";
            this.marker = Pattern.compile(Pattern.quote(tag) + "KFORGE-([A-Z-]+)(?: (.*))?");
        }

        /** A judge that has read {@code console} (absent: nothing), streamed line by line. */
        static Judge reading(Path console, List<String> modules, boolean script, String nonce) throws IOException {
            Judge judge = new Judge(modules, script, nonce);
            if (Files.isRegularFile(console)) {
                try (LogLines lines = LogLines.open(console)) {
                    String line;
                    while ((line = lines.readLine()) != null) {
                        judge.line(line);
                    }
                }
            }
            return judge;
        }

        /** Whether QEMU said it could not use KVM. */
        boolean noKvm() {
            return noKvm;
        }

        /** The last non-blank console line. */
        String lastLine() {
            return tail.isEmpty() ? "" : tail.getLast();
        }

        void line(String raw) {
            lineNo++;
            String line = raw.replace("\r", "");
            if (!line.isBlank()) {
                keep(tail, line.strip(), 8);
            }
            if (line.contains(NO_KVM)) {
                noKvm = true;
            }
            Matcher m = marker.matcher(line);
            boolean isMarker = m.find();
            if (!begun) {
                if (isMarker && m.group(1).equals("BEGIN")) {
                    begun = true;
                    phase = "load";
                    previous = "BEGIN";
                    keep(messages, line.substring(m.start() + tag.length()), KEPT_MESSAGES);
                }
                return;
            }
            keep(messages, line.replace(tag, ""), KEPT_MESSAGES);
            if (!isMarker) {
                kernelLine(line);
                return;
            }
            String name = m.group(1);
            String arg = m.group(2) == null ? "" : m.group(2);
            // The kernel's console and /init's echo share the serial line: a printk ("kf_core unloaded")
            // can land after a marker's text and before its newline. It is judged as the kernel line it is.
            Matcher embedded = EMBEDDED_MESSAGE.matcher(arg);
            if (embedded.find()) {
                kernelLine(arg.substring(embedded.start()));
                arg = arg.substring(0, embedded.start());
            }
            arg = arg.strip();
            if (!inOrder(name)) {
                problem(lineNo, "the harness's marker " + name + " came out of order (after " + previous + ")");
            }
            previous = name;
            marker(name, arg);
        }

        /** A line of the kernel's (or the guest's) output: kept for the report, and failed on an oops or warning. */
        private void kernelLine(String line) {
            String text = TIMESTAMP.matcher(line).replaceFirst("");
            keep(lastLoadLines, text, 20);
            if (BAD.matcher(text).find()) {
                problem(lineNo, "kernel: " + text.strip());
            }
        }

        /** The order /init prints its markers in. */
        private boolean inOrder(String name) {
            return switch (name) {
                case "LOAD", "SCRIPT-BEGIN" -> List.of("BEGIN", "INSMOD").contains(previous);
                case "INSMOD" -> previous.equals("LOAD");
                case "SCRIPT" -> previous.equals("SCRIPT-BEGIN");
                case "RMMOD" -> List.of("INSMOD", "SCRIPT", "RMMOD").contains(previous);
                case "TAINT" -> List.of("BEGIN", "INSMOD", "SCRIPT", "RMMOD").contains(previous);
                case "END" -> previous.equals("TAINT");
                default -> false;
            };
        }

        private void marker(String name, String arg) {
            switch (name) {
                case "LOAD" -> {
                    phase = "insmod " + arg;
                    lastLoadLines.clear();
                }
                case "INSMOD" -> insmod(arg);
                case "SCRIPT-BEGIN" -> phase = "test script";
                case "SCRIPT" -> {
                    if (!arg.equals("0")) {
                        problem(lineNo, "test script exited " + arg);
                    }
                    phase = "unload";
                }
                case "RMMOD" -> {
                    String[] p = arg.split(" ");
                    phase = "unload";
                    if (!(p.length == 2 && p[1].equals("0"))) {
                        problem(
                                lineNo,
                                "rmmod " + p[0] + " failed (exit " + (p.length == 2 ? p[1] : "?")
                                        + "): the module cannot be unloaded");
                    }
                }
                case "TAINT" -> {
                    try {
                        taint = Optional.of(Long.parseLong(arg));
                    } catch (NumberFormatException e) {
                        problem(lineNo, "unreadable taint value '" + arg + "'");
                    }
                }
                case "END" -> end = true;
                default -> {}
            }
        }

        private void insmod(String arg) {
            String[] p = arg.split(" ");
            if (p.length == 2 && p[1].equals("0")) {
                loadedOk.add(p[0]);
            } else {
                // What the kernel and insmod said, without the taint notices every out-of-tree module gets; the
                // lines naming the module or insmod when there are any (a boot still settling prints its own, such
                // as the TSC's calibration, while the module loads).
                List<String> lines = lastLoadLines.stream()
                        .filter(l -> !l.isBlank())
                        .map(String::strip)
                        .filter(l -> !l.contains("loading out-of-tree module taints kernel")
                                && !l.contains("module verification failed"))
                        .distinct()
                        .toList();
                List<String> about = lines.stream()
                        .filter(l -> l.contains(p[0]) || l.startsWith("insmod"))
                        .toList();
                String said = String.join("; ", about.isEmpty() ? lines : about);
                problem(
                        lineNo,
                        "insmod " + p[0] + " failed (exit " + (p.length == 2 ? p[1] : "?") + ")"
                                + (said.isEmpty() ? "" : ": " + said));
            }
            phase = "load";
        }

        private void problem(int line, String message) {
            if (problems.size() < MAX_PROBLEMS) {
                problems.add(new Problem(line, message));
            } else {
                droppedProblems++;
            }
        }

        private static void keep(ArrayDeque<String> ring, String line, int max) {
            if (ring.size() == max) {
                ring.removeFirst();
            }
            ring.addLast(line);
        }

        Verdict verdict(boolean timedOut, long timeoutSeconds) {
            List<Problem> all = new ArrayList<>(problems);
            if (droppedProblems > 0) {
                all.add(new Problem(0, "and " + droppedProblems + " more problem(s); see the console"));
            }
            if (timedOut) {
                all.add(
                        0,
                        new Problem(
                                0, "the guest did not finish within " + timeoutSeconds + " s (during " + phase + ")"));
            } else if (!begun) {
                all.add(
                        0,
                        new Problem(
                                0,
                                "the kernel did not reach /init; last console lines: "
                                        + (tail.isEmpty()
                                                ? "(none: check the kernel image, the machine and the console in the catalog)"
                                                : String.join(" | ", tail))));
            } else if (!end) {
                all.add(new Problem(0, "the guest stopped before /init finished (during " + phase + ")"));
            }
            taint.ifPresent(t -> {
                long bad = t & ~ALLOWED_TAINT;
                if (bad != 0) {
                    all.add(new Problem(0, "kernel tainted " + letters(bad) + " (" + t + ")"));
                }
            });
            if (begun && end && !timedOut && loadedOk.size() < modules.size() && all.isEmpty()) {
                all.add(new Problem(0, "only " + loadedOk.size() + " of " + modules.size() + " modules were loaded"));
            }
            List<String> kept = new ArrayList<>(messages);
            if (all.isEmpty()) {
                return new Verdict(
                        true,
                        "loaded " + String.join(", ", modules) + (script ? ", test script passed" : "") + ", unloaded",
                        List.of(),
                        kept);
            }
            return new Verdict(false, all.get(0).message(), all, kept);
        }
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
}
