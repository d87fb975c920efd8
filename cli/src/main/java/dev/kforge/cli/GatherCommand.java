package dev.kforge.cli;

import dev.kforge.core.KforgeException;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.report.RunReport;
import dev.kforge.core.service.BuildRequest;
import dev.kforge.core.service.PackageChoice;
import dev.kforge.core.service.Planned;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
        name = "gather",
        description = "After the shards: restore every cell from the cache (local or remote) into one out/ "
                + "with the combined results, JUnit XML, SHA256SUMS and provenance. Builds nothing.")
final class GatherCommand implements Callable<Integer> {

    @ParentCommand
    KforgeCommand root;

    @Mixin
    ManifestOption manifest;

    @Mixin
    RemoteCacheOptions remote;

    @Option(names = "--junit", paramLabel = "FILE", description = "Also write JUnit XML.")
    Path junit;

    @Option(
            names = "--expect-plan-hash",
            paramLabel = "HASH",
            description = "Refuse (exit 2) unless the plan has this hash.")
    String expectPlanHash;

    @Option(names = "--test", description = "Gather the shards' tests too (after kforge test --shard I/N).")
    boolean test;

    @Option(
            names = "--package",
            description =
                    "Gather the shards' packages too (after kforge package --shard I/N; the formats of [package]).")
    boolean packages;

    @Override
    public Integer call() {
        Planned planned = root.services()
                .plans()
                .plan(
                        manifest.path(root.context),
                        manifest.display(),
                        test,
                        packages ? PackageChoice.MANIFEST : PackageChoice.NONE,
                        true);
        PlanChecks.expectHash(planned, expectPlanHash);
        BuildRequest request = BuildRequest.builder()
                .junit(Optional.ofNullable(junit).map(root.context.cwd()::resolve))
                .restoreOnly(true)
                .remote(remote.resolve(planned.workspace(), root.context.env()))
                .build();
        RunReport report = root.services().gathers().gather(planned, request, new Progress(root.err(), false, true));
        long missing = report.cells().stream()
                .filter(c -> c.status() == StepStatus.FAILED)
                .count();
        report.cells().stream()
                .filter(c -> c.status() == StepStatus.FAILED)
                .forEach(c -> root.err().println("missing " + c.cell().id() + ": " + c.message()));
        // A test that failed in its shard was never stored: it is missing here, and counts as a failure.
        long missingTests = report.tests().stream().filter(t -> t.failed()).count();
        report.tests().stream()
                .filter(t -> t.failed())
                .forEach(t -> root.err().println("missing test/" + t.cell().id() + ": " + t.message()));
        // A package that failed in its shard (or whose cell did) was never stored: missing, and a failure.
        long missingPackages =
                report.packages().stream().filter(p -> p.failed()).count();
        report.packages().stream()
                .filter(p -> p.failed())
                .forEach(p -> root.err().println("missing " + p.step() + ": " + p.message()));
        String packageCounts = report.packages().isEmpty()
                ? ""
                : String.format(
                        "; %d packages: %d gathered, %s%d missing, %d skipped",
                        report.packages().size(),
                        report.countPackages("cached"),
                        // DKMS packages wait for every shard's cells: no shard writes them, the gather does.
                        report.countPackages("written") == 0 ? "" : report.countPackages("written") + " written, ",
                        missingPackages,
                        report.countPackages("skipped"));
        String tests = report.tests().isEmpty()
                ? ""
                : String.format(
                        "; %d tests: %d gathered, %d missing, %d skipped",
                        report.tests().size(), report.countTests("cached"), missingTests, report.countTests("skipped"));
        root.out()
                .printf(
                        "%d cells: %d gathered, %d missing, %d skipped%s%s -> %s%n",
                        report.cells().size(),
                        report.count(StepStatus.CACHED),
                        missing,
                        report.count(StepStatus.SKIPPED),
                        tests,
                        packageCounts,
                        planned.out());
        root.out().flush();
        root.err().flush();
        return missing + missingTests + missingPackages == 0 ? 0 : KforgeException.Kind.BUILD.exitCode();
    }
}
