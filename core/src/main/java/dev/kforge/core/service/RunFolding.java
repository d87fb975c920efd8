package dev.kforge.core.service;

import dev.kforge.core.KforgeException;
import dev.kforge.core.exec.StepResult;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.model.Cell;
import dev.kforge.core.plan.BuildPlan;
import dev.kforge.core.plan.Output;
import dev.kforge.core.plan.Skip;
import dev.kforge.core.plan.Step;
import dev.kforge.core.report.CellReport;
import dev.kforge.core.report.PackageReport;
import dev.kforge.core.report.RunReport;
import dev.kforge.core.report.TestReport;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Folds the results of a run's steps into its report: one entry per cell (a signed cell is its
 * build and its signature), the trees, the companions and the tests, plus the planner's skips.
 * Reads nothing but the plan and the results.
 */
final class RunFolding {

    private RunFolding() {}

    static RunReport fold(BuildPlan plan, List<Step> steps, List<StepResult> results, BuildRequest request) {
        Map<String, StepResult> signatures = new HashMap<>();
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i).kind().counted() == Step.Counted.CELL_SIGNATURE) {
                signatures.put(plan.cellOf(steps.get(i)).orElseThrow().id(), results.get(i));
            }
        }
        List<CellReport> cells = new ArrayList<>();
        List<StepResult> trees = new ArrayList<>();
        List<StepResult> companions = new ArrayList<>();
        List<TestReport> tests = new ArrayList<>();
        List<PackageReport> packages = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            StepResult r = results.get(i);
            switch (s.kind().counted()) {
                case TEST -> tests.add(test(plan, s, r));
                case PACKAGE ->
                    packages.add(new PackageReport(
                            plan.packagedCell(s).map(Cell::driver).orElseGet(() -> s.attribute("driver")),
                            plan.packagedCell(s),
                            s.attribute("format"),
                            s.id(),
                            r.status(),
                            r.duration(),
                            r.status() == StepStatus.SKIPPED
                                    ? "not packaged: " + r.message().replaceFirst("^not built: ", "")
                                    : r.message(),
                            r.status().ok() ? r.artifacts().files() : List.of(),
                            RunReport.error(r)));
                case TREE -> trees.add(r);
                case COMPANION -> companions.add(r);
                case CELL_SIGNATURE -> {} // counted with its cell's build
                case CELL -> {
                    Cell cell = plan.cellOf(s).orElseThrow();
                    cells.add(cell(cell, r, signatures.get(cell.id())));
                }
            }
        }
        List<Pattern> wanted = request.cells().stream().map(Selection::glob).toList();
        boolean reportSkips = request.shard().map(sh -> sh.index() == 1).orElse(true);
        for (Skip skip : plan.skipped()) {
            if (reportSkips && wanted(wanted, skip)) {
                cells.add(CellReport.skipped(skip.cell(), skip.reason()));
            }
        }
        cells.sort(Comparator.comparing(CellReport::cell));
        for (Skip skip : plan.untested()) {
            if (reportSkips && wanted(wanted, skip)) {
                tests.add(TestReport.skipped(skip.cell(), skip.reason()));
            }
        }
        tests.sort(Comparator.comparing(TestReport::cell));
        boolean environment = results.stream()
                .anyMatch(r -> r.failure()
                        .filter(k -> k == KforgeException.Kind.ENVIRONMENT)
                        .isPresent());
        packages.sort(Comparator.comparing(PackageReport::step));
        return new RunReport(plan.planHash().hex(), cells, trees, companions, environment, tests, packages);
    }

    private static boolean wanted(List<Pattern> wanted, Skip skip) {
        return wanted.isEmpty()
                || wanted.stream().anyMatch(w -> w.matcher(skip.cell().id()).matches());
    }

    private static CellReport cell(Cell cell, StepResult build, StepResult signature) {
        StepResult r = build;
        String signer = "";
        if (signature != null && r.status().ok()) {
            if (signature.status().ok()) {
                signer = signature.artifacts().signer().orElse("");
            } else {
                r = signature.as(r.stepId(), signature.status(), r.duration().plus(signature.duration()));
            }
        }
        String outDir = r.status() == StepStatus.SKIPPED || r.status() == StepStatus.CANCELLED
                ? ""
                : cell.target().kernel() + "/" + cell.target().archToolchain() + "/" + cell.driver();
        return new CellReport(
                cell,
                r.status(),
                r.duration(),
                r.message(),
                r.diagnostics(),
                outDir,
                RunReport.error(r),
                r.status().ok() ? build.artifacts().symbols() : "",
                signer);
    }

    private static TestReport test(BuildPlan plan, Step s, StepResult r) {
        Cell cell = plan.testedCell(s).orElseThrow();
        String log = "";
        if (r.status() != StepStatus.SKIPPED && r.status() != StepStatus.CANCELLED) {
            // The test's log is its file output under out/.
            log = s.declaredOutputs().stream()
                    .filter(o -> !o.directory() && o.path().startsWith("${out}/"))
                    .map(Output::path)
                    .map(p -> p.substring("${out}/".length()))
                    .findFirst()
                    .orElse("");
        }
        String message = r.status() == StepStatus.SKIPPED
                ? "not tested: " + r.message().replaceFirst("^not built: ", "")
                : r.message();
        return new TestReport(
                cell,
                r.status(),
                r.duration(),
                message,
                r.diagnostics(),
                log,
                RunReport.error(r),
                r.artifacts().kernelMessages());
    }
}
