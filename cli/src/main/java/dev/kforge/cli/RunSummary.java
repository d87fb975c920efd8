package dev.kforge.cli;

import dev.kforge.core.exec.Diagnostic;
import dev.kforge.core.exec.StepResult;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.report.CellReport;
import dev.kforge.core.report.PackageReport;
import dev.kforge.core.report.Reports;
import dev.kforge.core.report.RunReport;
import dev.kforge.core.report.TestReport;
import dev.kforge.core.service.Planned;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.ToLongFunction;
import java.util.regex.Pattern;

/**
 * What a build or test run prints: failures with their diagnostics and logs, warnings (three per
 * cell unless -v), the table of cells, and the summary line, which counts every failure as the
 * results JSON, JUnit and the exit code do.
 */
final class RunSummary {

    private final KforgeCommand root;

    RunSummary(KforgeCommand root) {
        this.root = root;
    }

    /** modpost's lines about kernel symbols it cannot check, expected against a tree without Module.symvers. */
    private static final Pattern UNCHECKED_SYMBOLS = Pattern.compile(
            "modpost: (\"[^\"]+\" \\[.*] undefined!|.*Module\\.symvers is missing|suppressed \\d+ unresolved symbol warnings)");

    /**
     * Compiler warnings one per line (three per cell unless -v). On a cell whose tree has no
     * Module.symvers, modpost's unresolved-symbol warnings say nothing about the driver (every
     * kernel symbol is unresolved there): they are left out unless -v, and one line per run names
     * the trees whose symbols went unchecked.
     */
    private void printWarnings(PrintWriter err, CellReport c) {
        int shown = 0;
        for (Diagnostic d : c.diagnostics()) {
            if (d.severity() != Diagnostic.Severity.WARNING) {
                continue;
            }
            if (!root.verbose
                    && c.symbols().equals("unchecked")
                    && UNCHECKED_SYMBOLS.matcher(d.message()).find()) {
                continue;
            }
            if (root.verbose || shown++ < 3) {
                err.println("warning " + c.cell().id() + ": " + d.format());
            }
        }
    }

    /** The warnings a user sees for a cell: those printed by {@link #printWarnings}, before the three-line cap. */
    private boolean shownWarning(CellReport c, Diagnostic d) {
        return d.severity() == Diagnostic.Severity.WARNING
                && (root.verbose
                        || !c.symbols().equals("unchecked")
                        || !UNCHECKED_SYMBOLS.matcher(d.message()).find());
    }

    /** "; 3 companions: 2 built, 1 failed" (statuses that occurred, failures always), empty when there are none. */
    static String steps(String noun, List<StepResult> results) {
        if (results.isEmpty()) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        for (StepStatus s : StepStatus.values()) {
            if (s == StepStatus.TIMED_OUT) {
                continue; // counted with the failed ones, as in the cells' part of the line
            }
            long n = results.stream()
                    .filter(r -> r.status() == s || (s == StepStatus.FAILED && r.status() == StepStatus.TIMED_OUT))
                    .count();
            if (n > 0 || s == StepStatus.FAILED) {
                parts.add(n + " " + s.key());
            }
        }
        return "; " + results.size() + " " + noun + (results.size() == 1 ? "" : "s") + ": " + String.join(", ", parts);
    }

    /** "; 8 tests: 6 passed, 1 cached, 1 failed" (statuses that occurred, failures always). */
    static String tests(RunReport report) {
        return counts(
                "test", Reports.TEST_KEYS, report::countTests, report.tests().size());
    }

    /** "; 4 packages: 3 written, 1 cached, 0 failed" (statuses that occurred, failures always); empty without packages. */
    static String packages(RunReport report) {
        return report.packages().isEmpty()
                ? ""
                : counts(
                        "package",
                        Reports.PACKAGE_KEYS,
                        report::countPackages,
                        report.packages().size());
    }

    /** "; N nouns: " and the count of each status key that occurred (timed-out counted with failed, always shown). */
    private static String counts(String noun, List<String> keys, ToLongFunction<String> count, int total) {
        List<String> parts = new ArrayList<>();
        for (String k : keys) {
            if (k.equals("timed-out")) {
                continue; // counted with the failed ones
            }
            long n = k.equals("failed")
                    ? count.applyAsLong("failed") + count.applyAsLong("timed-out")
                    : count.applyAsLong(k);
            if (n > 0 || k.equals("failed")) {
                parts.add(n + " " + k);
            }
        }
        return "; " + total + " " + noun + (total == 1 ? "" : "s") + ": " + String.join(", ", parts);
    }

    void print(RunReport report, Planned planned) {
        failures(report, planned);
        table(report, planned);
    }

    /** On stderr: every failed cell, tree, companion and test with its first errors and where its log is. */
    private void failures(RunReport report, Planned planned) {
        PrintWriter err = root.err();
        for (CellReport c : report.cells()) {
            if (c.status() == StepStatus.FAILED || c.status() == StepStatus.TIMED_OUT) {
                err.println("FAILED " + c.cell().id() + ": " + c.message());
                c.diagnostics().stream()
                        .filter(d -> d.severity() == Diagnostic.Severity.ERROR)
                        .limit(5)
                        .forEach(d -> {
                            err.println("  " + d.format());
                            d.notes().forEach(n -> err.println("    note: " + n));
                        });
                if (!c.outDir().isEmpty()) {
                    err.println("  log: " + planned.out().resolve(c.outDir()).resolve("build.log"));
                }
            }
            if (c.warnings() > 0 && !root.quiet) {
                printWarnings(err, c);
            }
        }
        SortedSet<String> unchecked = new TreeSet<>();
        report.unchecked().forEach(c -> unchecked.add(c.cell().target().id()));
        if (!unchecked.isEmpty() && !root.quiet) {
            err.println("note: kernel symbols unchecked on " + unchecked.size() + " tree(s) without Module.symvers ("
                    + String.join(", ", unchecked) + "): modules built there are compile checks; build against a "
                    + "kernel's headers (with Module.symvers) to check their symbols");
        }
        report.prepares().stream()
                .filter(p -> !p.status().ok())
                .forEach(p -> err.println("FAILED " + p.stepId() + ": " + p.message()));
        report.companions().stream()
                .filter(p -> p.status().failed())
                .forEach(p -> err.println("FAILED " + p.stepId() + ": " + p.message()));
        for (TestReport t : report.tests()) {
            if (t.failed()) {
                err.println("FAILED test/" + t.cell().id() + ": " + t.message());
                t.problems().stream().skip(1).limit(5).forEach(p -> err.println("  " + p.message()));
                if (!t.log().isEmpty()) {
                    err.println("  guest console: " + planned.out().resolve(t.log()));
                }
            }
        }
        for (PackageReport p : report.packages()) {
            if (p.failed()) {
                err.println("FAILED " + p.step() + ": " + p.message());
            }
        }
        err.flush();
    }

    /** On stdout: one row per cell and companion, then the summary line. */
    private void table(RunReport report, Planned planned) {
        PrintWriter out = root.out();
        Map<String, TestReport> tests = new HashMap<>();
        report.tests().forEach(t -> tests.put(t.cell().id(), t));
        boolean testing = planned.plan().withTests();
        int w = Math.max(
                4,
                Math.max(
                        report.cells().stream()
                                .mapToInt(c -> c.cell().id().length())
                                .max()
                                .orElse(4),
                        Math.max(
                                report.companions().stream()
                                        .mapToInt(c -> c.stepId().length())
                                        .max()
                                        .orElse(4),
                                report.packages().stream()
                                        .mapToInt(p -> p.step().length())
                                        .max()
                                        .orElse(4))));
        out.printf(
                "%-" + w + "s  %-9s %7s %5s  " + (testing ? "%-9s %7s  " : "%s%s") + "%s%n",
                "CELL",
                "STATUS",
                "TIME",
                "WARN",
                testing ? "TEST" : "",
                testing ? "TIME" : "",
                "NOTE");
        for (CellReport c : report.cells()) {
            row(out, w, c, testing, tests.get(c.cell().id()));
        }
        for (var c : report.companions()) {
            out.printf(
                    "%-" + w + "s  %-9s %6.1fs %5s  %s%n",
                    c.stepId(),
                    c.status().key(),
                    c.duration().toMillis() / 1000.0,
                    "",
                    c.message());
        }
        for (PackageReport p : report.packages()) {
            out.printf(
                    "%-" + w + "s  %-9s %6.1fs %5s  %s%n",
                    p.step(),
                    p.key(),
                    p.duration().toMillis() / 1000.0,
                    "",
                    p.status().ok()
                            ? String.join(
                                    " ",
                                    p.files().stream()
                                            .filter(RunSummary::mainFile)
                                            .toList())
                            : p.message());
        }
        out.printf(
                "%d cells: %d built, %d cached, %d failed, %d skipped%s%s%s%s%s -> %s%n",
                report.cells().size(),
                report.count(StepStatus.BUILT),
                report.count(StepStatus.CACHED),
                report.count(StepStatus.FAILED) + report.count(StepStatus.TIMED_OUT),
                report.count(StepStatus.SKIPPED),
                (report.count(StepStatus.CANCELLED) > 0 ? ", " + report.count(StepStatus.CANCELLED) + " cancelled" : "")
                        + (report.count(StepStatus.XFAIL) > 0 ? ", " + report.count(StepStatus.XFAIL) + " xfail" : "")
                        + (report.count(StepStatus.XPASS) > 0 ? ", " + report.count(StepStatus.XPASS) + " xpass" : ""),
                testing ? tests(report) : "",
                packages(report),
                steps("companion", report.companions()),
                steps("tree", report.prepares()),
                planned.out());
        out.flush();
    }

    /** The file a user installs or copies: the .deb, the OCI layout's index (its blobs are listed in SHA256SUMS). */
    private static boolean mainFile(String f) {
        return f.endsWith(".deb") || f.endsWith("/index.json") || f.endsWith("-dkms.tar.gz");
    }

    /** A cell's row; {@code t} is null when this cell has no test. */
    private void row(PrintWriter out, int w, CellReport c, boolean testing, TestReport t) {
        String note = c.status().ok()
                ? c.outDir()
                        + (c.symbols().equals("unchecked") ? " (symbols: unchecked)" : "")
                        + (c.signer().isEmpty() ? "" : " (signed: " + c.signer() + ")")
                : c.message();
        String testCols = "";
        if (testing) {
            testCols = t == null
                    ? String.format("%-9s %7s  ", "-", "")
                    : String.format(
                            Locale.ROOT, "%-9s %6.1fs  ", t.key(), t.duration().toMillis() / 1000.0);
            if (t != null
                    && (t.failed() || t.status() == StepStatus.SKIPPED)
                    && c.status().ok()) {
                note = "test: " + t.message();
            }
        }
        out.printf(
                "%-" + w + "s  %-9s %6.1fs %5d  %s%s%n",
                c.cell().id(),
                c.status().key(),
                c.duration().toMillis() / 1000.0,
                c.diagnostics().stream().filter(d -> shownWarning(c, d)).count(),
                testCols,
                note);
    }
}
