package dev.kforge.cli;

import dev.kforge.core.KforgeException;
import dev.kforge.core.model.SigningKey;
import dev.kforge.core.plan.Step;
import dev.kforge.core.report.RunReport;
import dev.kforge.core.service.BuildRequest;
import dev.kforge.core.service.PackageChoice;
import dev.kforge.core.service.Planned;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "build", description = "Build the matrix (or the cells named) and write out/.")
class BuildCommand implements Callable<Integer> {

    @ParentCommand
    KforgeCommand root;

    @Mixin
    ManifestOption manifest;

    @Option(
            names = {"-j", "--jobs"},
            paramLabel = "N",
            description = "Steps run at once (default: number of cores).")
    Integer jobs;

    @Option(names = "--fail-fast", description = "Stop at the first failure (default: keep going).")
    boolean failFast;

    @Option(
            names = "--strict",
            description =
                    "A cell [[xfail]] expects to fail that succeeds (xpass) fails the run (default: reported only).")
    boolean strict;

    @Option(
            names = "--step-timeout",
            paramLabel = "SECONDS",
            description = "Kill a step (and its processes) after this long.")
    Long stepTimeout;

    @Option(names = "--junit", paramLabel = "FILE", description = "Also write JUnit XML (one testcase per cell).")
    Path junit;

    @Option(names = "--no-cache", description = "Build every cell for real instead of restoring cached results.")
    boolean noCache;

    @picocli.CommandLine.Mixin
    RemoteCacheOptions remote;

    @Option(
            names = "--shard",
            paramLabel = "I/N",
            description = "Run shard I of N (default from $CI_NODE_INDEX/$CI_NODE_TOTAL when set).")
    String shard;

    @Option(
            names = "--expect-plan-hash",
            paramLabel = "HASH",
            description = "Refuse to run (exit 2) unless this runner's plan has this hash.")
    String expectPlanHash;

    @Option(
            names = "--test",
            description = "Also boot each built cell's kernel under QEMU and load its modules (as kforge test).")
    boolean test;

    @Parameters(
            paramLabel = "CELL",
            arity = "0..*",
            description = "Cells to build, DRIVER/KERNEL/ARCH-TOOLCHAIN; * matches within a part (hello/*/arm64-*).")
    List<String> cells = List.of();

    @Override
    public Integer call() {
        int j = jobs == null ? Runtime.getRuntime().availableProcessors() : jobs;
        if (j < 1) {
            throw KforgeException.userInput("--jobs must be at least 1, not " + j, "omit -j to use every core");
        }
        if (stepTimeout != null && stepTimeout < 1) {
            throw KforgeException.userInput("--step-timeout must be at least 1 second", "");
        }
        // --no-cache also plans afresh (and remembers that plan): a run that trusts no cache trusts no remembered plan.
        Planned planned = root.services()
                .plans()
                .plan(manifest.path(root.context), manifest.display(), testing(), packages(), !noCache);
        PlanChecks.expectHash(planned, expectPlanHash);
        BuildRequest request = BuildRequest.builder()
                .jobs(j)
                .failFast(failFast)
                .strict(strict)
                .stepTimeout(Optional.ofNullable(stepTimeout).map(Duration::ofSeconds))
                .junit(Optional.ofNullable(junit).map(root.context.cwd()::resolve))
                .cells(cells)
                .useCache(!noCache)
                .shard(PlanChecks.shard(shard, root.context.env()))
                .remote(remote.resolve(planned.workspace(), root.context.env()))
                .signingKey(signingKey(planned))
                .build();
        Progress progress = new Progress(root.err(), Progress.isTerminal(root.context.env()), root.quiet);
        RunReport report;
        try {
            report = root.services().builds().build(planned, request, progress);
        } finally {
            progress.done();
        }
        print(report, planned);
        if (report.success()) {
            return 0;
        }
        return report.environmentFailure()
                ? KforgeException.Kind.ENVIRONMENT.exitCode()
                : KforgeException.Kind.BUILD.exitCode();
    }

    /** The key of [signing], when the plan signs modules (the variable key-env names is read only then). */
    private Optional<SigningKey> signingKey(Planned planned) {
        boolean signs = planned.plan().steps().stream().anyMatch(s -> s.kind() == Step.Kind.SIGN);
        return planned.workspace().signing().filter(s -> signs).map(s -> s.resolve(root.context.env(), planned.root()));
    }

    /** Which packages this run writes: none (kforge package writes them). */
    PackageChoice packages() {
        return PackageChoice.NONE;
    }

    /** Whether this run tests the cells it builds. */
    boolean testing() {
        return test;
    }

    private void print(RunReport report, Planned planned) {
        new RunSummary(root).print(report, planned);
        stepSummary(planned.out().resolve("compat.md"));
    }

    /** In a GitHub Actions job, the compatibility report goes to the job's summary page too. */
    private void stepSummary(Path compat) {
        String summary = root.context.env().get("GITHUB_STEP_SUMMARY");
        if (summary == null || summary.isBlank() || !Files.isRegularFile(compat)) {
            return;
        }
        try {
            Files.writeString(
                    Path.of(summary), Files.readString(compat), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            root.err().println("kforge: cannot append the report to $GITHUB_STEP_SUMMARY: " + e.getMessage());
        }
    }
}
