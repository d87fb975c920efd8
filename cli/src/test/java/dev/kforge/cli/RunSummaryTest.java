package dev.kforge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.model.Cell;
import dev.kforge.core.model.Target;
import dev.kforge.core.report.PackageReport;
import dev.kforge.core.report.RunReport;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The summary line counts a package that failed or timed out as failed, as results JSON and JUnit do. */
class RunSummaryTest {

    static PackageReport pkg(String format, Optional<Cell> cell, StepStatus status) {
        return new PackageReport(
                "drv",
                cell,
                format,
                "package-" + format + "/drv",
                status,
                Duration.ofMillis(5),
                status.key(),
                List.of(),
                status == StepStatus.TIMED_OUT);
    }

    @Test
    void failedAndTimedOutPackagesAreCountedAsFailed() {
        Optional<Cell> cell = Optional.of(new Cell("drv", new Target("k", "x86_64", "gcc")));
        RunReport run = new RunReport(
                "hash",
                List.of(),
                List.of(),
                List.of(),
                false,
                List.of(),
                List.of(
                        pkg("deb", cell, StepStatus.FAILED),
                        pkg("oci", cell, StepStatus.BUILT),
                        pkg("dkms", Optional.empty(), StepStatus.TIMED_OUT)));
        assertThat(RunSummary.packages(run)).isEqualTo("; 3 packages: 1 written, 2 failed");
        assertThat(run.failedSteps()).isEqualTo(2);
    }
}
