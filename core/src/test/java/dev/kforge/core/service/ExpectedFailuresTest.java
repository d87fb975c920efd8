package dev.kforge.core.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.model.Cell;
import dev.kforge.core.model.ExpectedFailure;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.SourcePos;
import dev.kforge.core.model.Target;
import dev.kforge.core.model.Workspace;
import dev.kforge.core.report.CellReport;
import dev.kforge.core.report.Reports;
import dev.kforge.core.report.RunReport;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** [[xfail]]: expected failures are xfail and pass the run; unexpected passes are xpass, failures with --strict. */
class ExpectedFailuresTest {

    static final SourcePos POS = new SourcePos("kforge.toml", 1, 1);

    static CellReport cell(String kernel, StepStatus status) {
        return new CellReport(
                new Cell("drv", new Target(kernel, "x86_64", "gcc")),
                status,
                Duration.ZERO,
                status == StepStatus.FAILED ? "make exited 2" : "1 module(s)",
                List.of(),
                kernel + "/x86_64-gcc/drv",
                false,
                "checked",
                "");
    }

    static Workspace workspace() {
        KernelSource lines = new KernelSource(
                "lines",
                KernelSource.Kind.DISTRO,
                "latest",
                Optional.empty(),
                List.of(),
                POS,
                false,
                false,
                Optional.empty(),
                KernelSource.ModuleSig.DEFAULT,
                Optional.of("debian"),
                List.of("bullseye", "sid", "experimental"));
        return new Workspace(
                "w",
                "kforge.toml",
                "out",
                List.of(lines),
                List.of(),
                List.of(),
                Optional.empty(),
                List.of(),
                Optional.empty(),
                List.of(new ExpectedFailure(
                        "drv", Optional.of("lines"), Optional.empty(), Optional.of("7.0"), "no 7.x yet", POS)));
    }

    @Test
    void failuresFromTheVersionOnAreXfailAndPassesAreXpass() {
        RunReport run = new RunReport(
                "h",
                List.of(
                        cell("lines-bullseye-5.10.0-32", StepStatus.FAILED),
                        cell("lines-sid-7.2.13+deb14", StepStatus.FAILED),
                        cell("lines-experimental-7.3", StepStatus.BUILT)),
                List.of(),
                List.of(),
                false);
        Map<String, String> versions = Map.of(
                "lines-bullseye-5.10.0-32", "5.10.223",
                "lines-sid-7.2.13+deb14", "7.2.13",
                "lines-experimental-7.3", "7.3.0");
        RunReport out = ExpectedFailures.apply(workspace(), run, versions, false);
        assertThat(out.cells())
                .extracting(CellReport::status)
                .containsExactly(StepStatus.FAILED, StepStatus.XFAIL, StepStatus.XPASS);
        assertThat(out.cells().get(1).message()).isEqualTo("expected to fail (no 7.x yet): make exited 2");
        assertThat(out.failedSteps()).isEqualTo(1); // bullseye's failure is not expected: still a failure
        assertThat(Reports.junit(out)).contains("skipped=\"1\"", "failures=\"1\"");

        RunReport strict = ExpectedFailures.apply(workspace(), run, versions, true);
        assertThat(strict.cells().get(2).status()).isEqualTo(StepStatus.FAILED);
        assertThat(strict.cells().get(2).message()).isEqualTo("expected to fail (no 7.x yet) but succeeded (--strict)");
        assertThat(strict.failedSteps()).isEqualTo(2);
    }

    @Test
    void withoutXfailTheRunIsUnchanged() {
        RunReport run = new RunReport("h", List.of(cell("k", StepStatus.FAILED)), List.of(), List.of(), false);
        Workspace none =
                new Workspace("w", "kforge.toml", "out", List.of(), List.of(), List.of(), Optional.empty(), List.of());
        assertThat(ExpectedFailures.apply(none, run, Map.of(), true)).isSameAs(run);
    }
}
