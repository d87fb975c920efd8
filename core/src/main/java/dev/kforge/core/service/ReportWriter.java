package dev.kforge.core.service;

import dev.kforge.core.KforgeException;
import dev.kforge.core.digest.DigestMemo;
import dev.kforge.core.plan.Step;
import dev.kforge.core.report.CompatReport;
import dev.kforge.core.report.Reports;
import dev.kforge.core.report.RunReport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** Writes a run's reports into out/: results JSON, SHA256SUMS, provenance, and JUnit when asked. */
final class ReportWriter {

    private ReportWriter() {}

    /** Each kernel's version as the plan records it (a distribution kernel's: its first port's). */
    static Map<String, String> versions(Planned planned) {
        Map<String, String> out = new TreeMap<>();
        planned.plan().kernels().forEach((name, k) -> {
            if (k.get("version") != null) {
                out.put(name, k.get("version"));
            }
        });
        return out;
    }

    static void write(Planned planned, RunReport report, BuildRequest request, DigestMemo memo) {
        try {
            Path out = planned.out();
            Reports.writeAtomically(out.resolve("kforge-results.json"), Reports.resultsJson(report));
            Set<String> dirs = new LinkedHashSet<>(); // a signed cell has two steps, one directory
            for (Step s : planned.plan().steps()) {
                planned.plan()
                        .cellOf(s)
                        .ifPresent(c ->
                                dirs.add(c.target().kernel() + "/" + c.target().archToolchain() + "/" + c.driver()));
            }
            // every module hashed once, for both files, through the stat cache (a no-op reads no module)
            List<String> packageFiles =
                    report.packages().stream().flatMap(p -> p.files().stream()).toList();
            String sums = Reports.sha256sums(out, new ArrayList<>(dirs), packageFiles, memo);
            Reports.writeAtomically(out.resolve("SHA256SUMS"), sums);
            Reports.writeAtomically(
                    out.resolve("provenance.json"),
                    Reports.provenance(
                            sums,
                            planned.plan(),
                            Path.of(planned.workspace().manifestName())
                                    .getFileName()
                                    .toString(),
                            Optional.of(out)));
            CompatReport compat = new CompatReport(report, versions(planned));
            Reports.writeAtomically(out.resolve("compat.md"), compat.markdown());
            Reports.writeAtomically(out.resolve("compat.html"), compat.html());
            if (request.junit().isPresent()) {
                Reports.writeAtomically(request.junit().get(), Reports.junit(report));
            }
        } catch (IOException e) {
            throw KforgeException.environment(
                    "cannot write reports: " + e.getMessage(),
                    "check that the output directory is writable and the disk is not full");
        }
    }
}
