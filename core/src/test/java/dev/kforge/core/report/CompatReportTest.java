package dev.kforge.core.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.exec.Diagnostic;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.model.Cell;
import dev.kforge.core.model.Target;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The compatibility report orders kernels by version and names the newest that works and the first that fails. */
class CompatReportTest {

    static CellReport cell(String kernel, String arch, StepStatus status, List<Diagnostic> diagnostics) {
        return new CellReport(
                new Cell("drv", new Target(kernel, arch, "gcc")),
                status,
                Duration.ofSeconds(1),
                status == StepStatus.SKIPPED ? "no such port" : "make exited 2",
                diagnostics,
                kernel + "/" + arch + "-gcc/drv",
                false,
                "checked",
                "");
    }

    @Test
    void kernelsGoInVersionOrderAcrossNamesAndTheFirstFailureIsNamedWithItsError() {
        Diagnostic error = new Diagnostic(Diagnostic.Severity.ERROR, "drv.c", 12, 3, "implicit declaration of 'f'");
        RunReport run = new RunReport(
                "hash",
                List.of(
                        cell("z-old", "x86_64", StepStatus.BUILT, List.of()),
                        cell("a-new", "x86_64", StepStatus.FAILED, List.of(error)),
                        cell("m-mid", "x86_64", StepStatus.CACHED, List.of()),
                        cell("m-mid", "riscv64", StepStatus.SKIPPED, List.of())),
                List.of(),
                List.of(),
                false);
        CompatReport r = new CompatReport(run, Map.of("z-old", "5.10.223", "m-mid", "6.12.95", "a-new", "7.3.4"));
        String md = r.markdown();
        assertThat(md.indexOf("| z-old | 5.10.223 |")).isPositive().isLessThan(md.indexOf("| m-mid | 6.12.95 |"));
        assertThat(md.indexOf("| m-mid | 6.12.95 |")).isLessThan(md.indexOf("| a-new | 7.3.4 |"));
        assertThat(md)
                .contains("| m-mid | 6.12.95 | skipped | built |")
                .contains("| a-new | 7.3.4 | - | FAILED |")
                .contains("- x86_64-gcc: newest that works: m-mid (6.12.95); first that fails: a-new (7.3.4): "
                        + "`drv.c:12:3: error: implicit declaration of 'f'` ([log](a-new/x86_64-gcc/drv/build.log))")
                .contains("- riscv64-gcc: newest that works: none\n");
        String html = r.html();
        assertThat(html)
                .startsWith("<!DOCTYPE html>")
                .contains(">FAILED</td>", ">built</td>", ">skipped</td>")
                .doesNotContain("http://", "https://", "<script", "<link");
    }
}
