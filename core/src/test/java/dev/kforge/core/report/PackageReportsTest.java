package dev.kforge.core.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.json.CanonicalJson;
import dev.kforge.core.model.Cell;
import dev.kforge.core.model.Target;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A package step that itself fails (its checker rejected what was written, or it timed out) is counted where
 * users look, alike: the run's failed steps, results JSON's summary and entries, and JUnit's failures and errors.
 */
class PackageReportsTest {

    @Test
    void failedPackagesOfCellsAndDriversAreCountedAlikeEverywhere() {
        Cell cell = new Cell("drv", new Target("k", "x86_64", "gcc"));
        RunReport run = new RunReport(
                "hash",
                List.of(CompatReportTest.cell("k", "x86_64", StepStatus.BUILT, List.of())),
                List.of(),
                List.of(),
                false,
                List.of(),
                List.of(
                        new PackageReport(
                                "drv",
                                Optional.of(cell),
                                "deb",
                                "package-deb/drv/k/x86_64-gcc",
                                StepStatus.FAILED,
                                Duration.ofMillis(40),
                                "dpkg-deb --info rejected the package (exit 2): not a debian format archive",
                                List.of(),
                                false),
                        new PackageReport(
                                "drv",
                                Optional.of(cell),
                                "oci",
                                "package-oci/drv/k/x86_64-gcc",
                                StepStatus.BUILT,
                                Duration.ofMillis(40),
                                "wrote packages/oci/k/x86_64-gcc/drv/index.json",
                                List.of("packages/oci/k/x86_64-gcc/drv/index.json"),
                                false),
                        new PackageReport(
                                "drv",
                                Optional.empty(),
                                "dkms",
                                "package-dkms/drv",
                                StepStatus.TIMED_OUT,
                                Duration.ofSeconds(60),
                                "timed out after 60 s",
                                List.of(),
                                true)));
        assertThat(run.failedSteps()).isEqualTo(2);
        assertThat(run.countPackages("failed")).isEqualTo(1);
        assertThat(run.countPackages("written")).isEqualTo(1);

        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) CanonicalJson.read(Reports.resultsJson(run));
        @SuppressWarnings("unchecked")
        Map<String, Object> summary = (Map<String, Object>) json.get("summary");
        assertThat(summary).containsEntry("failedSteps", 2);
        assertThat(summary.get("packages").toString()).contains("failed=1").contains("packages=3");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> packages = (List<Map<String, Object>>) json.get("packages");
        assertThat(packages)
                .filteredOn(p -> p.get("step").equals("package-dkms/drv"))
                .singleElement()
                .satisfies(p -> assertThat(p)
                        .containsEntry("driver", "drv")
                        .containsEntry("error", true)
                        .doesNotContainKey("cell"));

        String junit = Reports.junit(run);
        assertThat(junit)
                .contains("tests=\"4\" failures=\"1\" errors=\"1\" skipped=\"0\"")
                .contains("classname=\"drv.package-deb\" name=\"k/x86_64-gcc\"")
                .contains("classname=\"drv.package-dkms\" name=\"source\"")
                .contains("not a debian format archive");
    }
}
