package dev.kforge.core.report;

import dev.kforge.core.exec.Diagnostic;
import dev.kforge.core.exec.StepResult;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.json.CanonicalJson;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** kforge-results.json: every cell, tree, companion, test and package with status, duration, message, diagnostics. */
final class ResultsJson {

    private ResultsJson() {}

    /** The results document: every cell with status, duration, message and diagnostics. */
    public static String resultsJson(RunReport run) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("planHash", run.planHash());
        Map<String, Object> summary = new TreeMap<>();
        for (StepStatus s : StepStatus.values()) {
            summary.put(s.key(), run.count(s));
        }
        summary.put("cells", run.cells().size());
        summary.put("failedSteps", run.failedSteps());
        summary.put("companions", counts(run.companions()));
        summary.put("trees", counts(run.prepares()));
        summary.put("symbolsUnchecked", run.unchecked().size());
        if (!run.tests().isEmpty()) {
            Map<String, Object> tests = new TreeMap<>();
            for (String k : TEST_KEYS) {
                tests.put(k, run.countTests(k));
            }
            tests.put("tests", run.tests().size());
            summary.put("tests", tests);
        }
        if (!run.packages().isEmpty()) {
            Map<String, Object> packages = new TreeMap<>();
            for (String k : PACKAGE_KEYS) {
                packages.put(k, run.countPackages(k));
            }
            packages.put("packages", run.packages().size());
            summary.put("packages", packages);
        }
        m.put("summary", summary);
        Map<String, TestReport> testsByCell = new HashMap<>();
        run.tests().forEach(t -> testsByCell.put(t.cell().id(), t));
        List<Object> cells = new ArrayList<>();
        for (CellReport c : run.cells()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("cell", c.cell().id());
            e.put("driver", c.cell().driver());
            e.put("kernel", c.cell().target().kernel());
            e.put("arch", c.cell().target().arch());
            e.put("toolchain", c.cell().target().toolchain());
            e.put("status", c.status().key());
            e.put("durationMs", c.duration().toMillis());
            e.put("message", c.message());
            e.put("outDir", c.outDir());
            e.put("error", c.error());
            e.put("symbols", c.symbols());
            e.put("signer", c.signer());
            e.put("warnings", c.warnings());
            e.put(
                    "diagnostics",
                    c.diagnostics().stream().map(ResultsJson::diagnostic).toList());
            TestReport t = testsByCell.get(c.cell().id());
            if (t != null) {
                Map<String, Object> te = new LinkedHashMap<>();
                te.put("status", t.key());
                te.put("durationMs", t.duration().toMillis());
                te.put("message", t.message());
                te.put("log", t.log());
                te.put("error", t.error());
                te.put(
                        "problems",
                        t.problems().stream().map(ResultsJson::diagnostic).toList());
                te.put("kernelMessages", t.kernelMessages());
                e.put("test", te);
            }
            cells.add(e);
        }
        m.put("cells", cells);
        m.put("prepares", steps(run.prepares()));
        m.put("companions", steps(run.companions()));
        if (!run.packages().isEmpty()) {
            List<Object> packages = new ArrayList<>();
            for (PackageReport p : run.packages()) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("step", p.step());
                e.put("driver", p.driver());
                p.cell().ifPresent(c -> e.put("cell", c.id()));
                e.put("format", p.format());
                e.put("status", p.key());
                e.put("durationMs", p.duration().toMillis());
                e.put("message", p.message());
                e.put("files", p.files());
                e.put("error", p.error());
                packages.add(e);
            }
            m.put("packages", packages);
        }
        return CanonicalJson.write(m);
    }

    /** Package statuses as reports name them. */
    public static final List<String> PACKAGE_KEYS =
            List.of("written", "cached", "failed", "timed-out", "skipped", "cancelled");

    /** Test statuses as reports name them. */
    public static final List<String> TEST_KEYS =
            List.of("passed", "cached", "failed", "timed-out", "skipped", "cancelled");

    private static Map<String, Object> counts(List<StepResult> results) {
        Map<String, Object> m = new TreeMap<>();
        for (StepStatus s : StepStatus.values()) {
            m.put(s.key(), results.stream().filter(r -> r.status() == s).count());
        }
        m.put("steps", results.size());
        return m;
    }

    private static List<Object> steps(List<StepResult> results) {
        List<Object> out = new ArrayList<>();
        for (StepResult p : results) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("step", p.stepId());
            e.put("status", p.status().key());
            e.put("durationMs", p.duration().toMillis());
            e.put("message", p.message());
            e.put("error", RunReport.error(p));
            out.add(e);
        }
        return out;
    }

    private static Map<String, Object> diagnostic(Diagnostic d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("severity", d.severity().key());
        m.put("file", d.file());
        m.put("line", d.line());
        m.put("column", d.column());
        m.put("message", d.message());
        m.put("notes", d.notes());
        return m;
    }
}
