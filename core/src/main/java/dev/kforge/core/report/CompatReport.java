package dev.kforge.core.report;

import dev.kforge.core.exec.Diagnostic;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.kernel.VersionOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The compatibility report ({@code out/compat.md}, {@code out/compat.html}): for each driver, its
 * kernels in version order (oldest first, across suites) against its architectures, each cell
 * built, loaded (its test passed), failed, xfail/xpass ({@code [[xfail]]}) or skipped; and per architecture the newest kernel that
 * works and the first that fails, with its first error at the driver's own FILE:LINE and its log.
 */
public final class CompatReport {

    /** One cell's standing. */
    enum Mark {
        LOADED("loaded", "#1a7f37"),
        BUILT("built", "#2da44e"),
        FAILED("FAILED", "#cf222e"),
        XFAIL("xfail", "#bf8700"),
        XPASS("xpass", "#8250df"),
        SKIPPED("skipped", "#6e7781");

        final String text;
        final String colour;

        Mark(String text, String colour) {
            this.text = text;
            this.colour = colour;
        }

        boolean works() {
            return this == LOADED || this == BUILT || this == XPASS;
        }

        boolean fails() {
            return this == FAILED || this == XFAIL;
        }
    }

    private record Entry(Mark mark, String note, String log) {}

    private final Map<String, Map<String, Map<String, Entry>>> byDriver = new TreeMap<>();
    private final Map<String, String> versions;

    /**
     * @param run the run's results
     * @param versions each kernel's version (for the order), by kernel name
     */
    public CompatReport(RunReport run, Map<String, String> versions) {
        this.versions = versions;
        Map<String, TestReport> tests = new TreeMap<>();
        run.tests().forEach(t -> tests.put(t.cell().id(), t));
        for (CellReport c : run.cells()) {
            TestReport t = tests.get(c.cell().id());
            Mark mark;
            String note = "";
            String log = c.outDir().isEmpty() ? "" : c.outDir() + "/build.log";
            if (c.status() == StepStatus.SKIPPED) {
                mark = Mark.SKIPPED;
                note = c.message();
            } else if (c.status() == StepStatus.XFAIL || c.status() == StepStatus.XPASS) {
                mark = c.status() == StepStatus.XFAIL ? Mark.XFAIL : Mark.XPASS;
                note = c.status() == StepStatus.XFAIL
                        ? firstError(c.diagnostics()).orElse(c.message())
                        : c.message();
            } else if (!c.status().ok()) {
                mark = Mark.FAILED;
                note = firstError(c.diagnostics()).orElse(c.message());
            } else if (t != null && t.failed()) {
                mark = Mark.FAILED;
                note = "test: " + t.message();
                log = t.log();
            } else {
                mark = t != null && t.status().ok() ? Mark.LOADED : Mark.BUILT;
            }
            byDriver.computeIfAbsent(c.cell().driver(), d -> new TreeMap<>())
                    .computeIfAbsent(c.cell().target().kernel(), k -> new TreeMap<>())
                    .put(c.cell().target().archToolchain(), new Entry(mark, note, log));
        }
    }

    private static Optional<String> firstError(List<Diagnostic> diagnostics) {
        return diagnostics.stream()
                .filter(d -> d.severity() == Diagnostic.Severity.ERROR)
                .findFirst()
                .map(Diagnostic::format);
    }

    private List<String> kernelsInOrder(Map<String, Map<String, Entry>> kernels) {
        List<String> names = new ArrayList<>(kernels.keySet());
        names.sort(Comparator.comparing((String k) -> VersionOrder.key(versions.getOrDefault(k, k)))
                .thenComparing(k -> k));
        return names;
    }

    /** Per arch: the newest kernel that works and the first (oldest) that fails, if any. */
    private Map<String, String[]> verdicts(Map<String, Map<String, Entry>> kernels) {
        Map<String, String[]> out = new LinkedHashMap<>();
        for (String arch : arches(kernels)) {
            String newestOk = null;
            String firstFailed = null;
            for (String k : kernelsInOrder(kernels)) {
                Entry e = kernels.get(k).get(arch);
                if (e == null) {
                    continue;
                }
                if (e.mark().works()) {
                    newestOk = k;
                } else if (e.mark().fails() && firstFailed == null) {
                    firstFailed = k;
                }
            }
            out.put(arch, new String[] {newestOk, firstFailed});
        }
        return out;
    }

    private static SortedSet<String> arches(Map<String, Map<String, Entry>> kernels) {
        SortedSet<String> arches = new TreeSet<>();
        kernels.values().forEach(m -> arches.addAll(m.keySet()));
        return arches;
    }

    private String version(String kernel) {
        return versions.getOrDefault(kernel, "?");
    }

    /** The report as Markdown (for out/compat.md and $GITHUB_STEP_SUMMARY). */
    public String markdown() {
        StringBuilder sb = new StringBuilder("# Kernel compatibility\n");
        byDriver.forEach((driver, kernels) -> {
            SortedSet<String> arches = arches(kernels);
            sb.append("\n## ").append(driver).append("\n\n| kernel | version |");
            arches.forEach(a -> sb.append(' ').append(a).append(" |"));
            sb.append("\n|---|---|");
            arches.forEach(a -> sb.append("---|"));
            sb.append('\n');
            for (String k : kernelsInOrder(kernels)) {
                sb.append("| ").append(k).append(" | ").append(version(k)).append(" |");
                for (String a : arches) {
                    Entry e = kernels.get(k).get(a);
                    sb.append(' ').append(e == null ? "-" : e.mark().text).append(" |");
                }
                sb.append('\n');
            }
            sb.append('\n');
            verdicts(kernels).forEach((arch, v) -> {
                sb.append("- ")
                        .append(arch)
                        .append(": newest that works: ")
                        .append(v[0] == null ? "none" : v[0] + " (" + version(v[0]) + ")");
                if (v[1] != null) {
                    Entry e = kernels.get(v[1]).get(arch);
                    sb.append("; first that fails: ")
                            .append(v[1])
                            .append(" (")
                            .append(version(v[1]))
                            .append("): `")
                            .append(e.note().replace('`', '\'').replace('\n', ' '))
                            .append('`');
                    if (!e.log().isEmpty()) {
                        sb.append(" ([log](").append(e.log()).append("))");
                    }
                }
                sb.append('\n');
            });
        });
        if (byDriver.isEmpty()) {
            sb.append("\nNo cells.\n");
        }
        return sb.toString();
    }

    /** The report as one self-contained HTML page: no external assets, colour and text for each cell. */
    public String html() {
        StringBuilder sb = new StringBuilder();
        sb.append(
                        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Kernel compatibility</title>\n")
                .append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}")
                .append(
                        "th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left}td.m{color:#fff;font-weight:bold}")
                .append("code{background:#f6f8fa}</style></head><body>\n<h1>Kernel compatibility</h1>\n");
        byDriver.forEach((driver, kernels) -> {
            SortedSet<String> arches = arches(kernels);
            sb.append("<h2>").append(Reports.xml(driver)).append("</h2>\n<table><tr><th>kernel</th><th>version</th>");
            arches.forEach(a -> sb.append("<th>").append(Reports.xml(a)).append("</th>"));
            sb.append("</tr>\n");
            for (String k : kernelsInOrder(kernels)) {
                sb.append("<tr><td>")
                        .append(Reports.xml(k))
                        .append("</td><td>")
                        .append(Reports.xml(version(k)))
                        .append("</td>");
                for (String a : arches) {
                    Entry e = kernels.get(k).get(a);
                    if (e == null) {
                        sb.append("<td>-</td>");
                    } else {
                        sb.append("<td class=\"m\" style=\"background:")
                                .append(e.mark().colour)
                                .append("\" title=\"")
                                .append(Reports.xml(e.note()))
                                .append("\">")
                                .append(e.mark().text)
                                .append("</td>");
                    }
                }
                sb.append("</tr>\n");
            }
            sb.append("</table>\n<ul>\n");
            verdicts(kernels).forEach((arch, v) -> {
                sb.append("<li>")
                        .append(Reports.xml(arch))
                        .append(": newest that works: ")
                        .append(v[0] == null ? "none" : Reports.xml(v[0] + " (" + version(v[0]) + ")"));
                if (v[1] != null) {
                    Entry e = kernels.get(v[1]).get(arch);
                    sb.append("; first that fails: ")
                            .append(Reports.xml(v[1] + " (" + version(v[1]) + ")"))
                            .append(": <code>")
                            .append(Reports.xml(e.note()))
                            .append("</code>");
                    if (!e.log().isEmpty()) {
                        sb.append(" (<a href=\"").append(Reports.xml(e.log())).append("\">log</a>)");
                    }
                }
                sb.append("</li>\n");
            });
            sb.append("</ul>\n");
        });
        sb.append("</body></html>\n");
        return sb.toString();
    }
}
