package dev.kforge.cli;

import dev.kforge.core.KforgeException;
import dev.kforge.core.exec.Diagnostic;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.report.CellReport;
import dev.kforge.core.report.RunReport;
import dev.kforge.core.service.BuildRequest;
import dev.kforge.core.service.Planned;
import java.io.PrintWriter;
import java.nio.file.Path;
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
final class BuildCommand implements Callable<Integer> {

    @ParentCommand
    KforgeCommand root;

    @Mixin
    ManifestOption manifest;

    @Option(names = {"-j", "--jobs"}, paramLabel = "N", description = "Steps run at once (default: number of cores).")
    Integer jobs;

    @Option(names = "--fail-fast", description = "Stop at the first failure (default: keep going).")
    boolean failFast;

    @Option(names = "--step-timeout", paramLabel = "SECONDS", description = "Kill a step (and its processes) after this long.")
    Long stepTimeout;

    @Option(names = "--junit", paramLabel = "FILE", description = "Also write JUnit XML (one testcase per cell).")
    Path junit;

    @Option(names = "--no-cache", description = "Build every cell for real instead of restoring cached results.")
    boolean noCache;

    @picocli.CommandLine.Mixin
    RemoteCacheOptions remote;

    @Option(names = "--shard", paramLabel = "I/N",
            description = "Run shard I of N (default from $CI_NODE_INDEX/$CI_NODE_TOTAL when set).")
    String shard;

    @Option(names = "--expect-plan-hash", paramLabel = "HASH",
            description = "Refuse to run (exit 2) unless this runner's plan has this hash.")
    String expectPlanHash;

    @Parameters(paramLabel = "CELL", arity = "0..*",
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
        Planned planned = root.service().plan(manifest.path(root.context), manifest.display());
        PlanChecks.expectHash(planned, expectPlanHash);
        BuildRequest request = new BuildRequest(j, failFast, Optional.ofNullable(stepTimeout).map(Duration::ofSeconds),
                Optional.ofNullable(junit).map(root.context.cwd()::resolve), cells, !noCache,
                PlanChecks.shard(shard, root.context.env()), false, remote.resolve(planned.workspace(), root.context.env()));
        Progress progress = new Progress(root.err(), Progress.isTerminal(root.context.env()), root.quiet);
        RunReport report;
        try {
            report = root.service().build(planned, request, progress);
        } finally {
            progress.done();
        }
        print(report, planned);
        if (report.success()) {
            return 0;
        }
        return report.environmentFailure() ? KforgeException.Kind.ENVIRONMENT.exitCode() : KforgeException.Kind.BUILD.exitCode();
    }

    private static final java.util.regex.Pattern UNDEFINED =
            java.util.regex.Pattern.compile("modpost: \"([^\"]+)\" \\[.*] undefined!");

    /**
     * Compiler warnings one per line (three per cell unless -v). modpost's unresolved kernel
     * symbols, expected against a tree from modules_prepare (it has no Module.symvers), are
     * condensed to one line per cell naming them, so they are seen without drowning the rest.
     */
    private void printWarnings(PrintWriter err, CellReport c) {
        List<String> undefined = new java.util.ArrayList<>();
        boolean noSymvers = false;
        int shown = 0;
        for (Diagnostic d : c.diagnostics()) {
            if (d.severity() != Diagnostic.Severity.WARNING) {
                continue;
            }
            var m = UNDEFINED.matcher(d.message());
            if (m.find() && !root.verbose) {
                undefined.add(m.group(1));
            } else if (d.message().contains("Module.symvers is missing") && !root.verbose) {
                noSymvers = true;
            } else if (root.verbose || shown++ < 3) {
                err.println("warning " + c.cell().id() + ": " + d.format());
            }
        }
        if (!undefined.isEmpty() || noSymvers) {
            err.println("warning " + c.cell().id() + ": modpost: " + (noSymvers ? "tree has no Module.symvers; " : "")
                    + undefined.size() + " unresolved symbol(s)" + (undefined.isEmpty() ? "" : ": "
                            + String.join(", ", undefined.subList(0, Math.min(5, undefined.size())))
                            + (undefined.size() > 5 ? " and " + (undefined.size() - 5) + " more" : ""))
                    + " (-v shows each)");
        }
    }

    private void print(RunReport report, Planned planned) {
        PrintWriter out = root.out();
        PrintWriter err = root.err();
        for (CellReport c : report.cells()) {
            if (c.status() == StepStatus.FAILED || c.status() == StepStatus.TIMED_OUT) {
                err.println("FAILED " + c.cell().id() + ": " + c.message());
                c.diagnostics().stream().filter(d -> d.severity() == Diagnostic.Severity.ERROR).limit(5)
                        .forEach(d -> err.println("  " + d.format()));
                if (!c.outDir().isEmpty()) {
                    err.println("  log: " + planned.out().resolve(c.outDir()).resolve("build.log"));
                }
            }
            if (c.warnings() > 0 && !root.quiet) {
                printWarnings(err, c);
            }
        }
        report.prepares().stream().filter(p -> !p.status().ok()).forEach(p ->
                err.println("FAILED " + p.stepId() + ": " + p.message()));
        report.companions().stream().filter(p -> !p.status().ok() && p.status() != StepStatus.SKIPPED).forEach(p ->
                err.println("FAILED " + p.stepId() + ": " + p.message()));
        err.flush();
        int w = Math.max(4, Math.max(report.cells().stream().mapToInt(c -> c.cell().id().length()).max().orElse(4),
                report.companions().stream().mapToInt(c -> c.stepId().length()).max().orElse(4)));
        out.printf("%-" + w + "s  %-9s %7s %5s  %s%n", "CELL", "STATUS", "TIME", "WARN", "NOTE");
        for (CellReport c : report.cells()) {
            String note = c.status().ok() ? c.outDir() : c.message();
            out.printf("%-" + w + "s  %-9s %6.1fs %5d  %s%n", c.cell().id(), c.status().key(),
                    c.duration().toMillis() / 1000.0, c.warnings(), note);
        }
        for (var c : report.companions()) {
            out.printf("%-" + w + "s  %-9s %6.1fs %5s  %s%n", c.stepId(), c.status().key(), c.duration().toMillis() / 1000.0, "",
                    c.message());
        }
        out.printf("%d cells: %d built, %d cached, %d failed, %d skipped%s -> %s%n", report.cells().size(),
                report.count(StepStatus.BUILT), report.count(StepStatus.CACHED),
                report.count(StepStatus.FAILED) + report.count(StepStatus.TIMED_OUT),
                report.count(StepStatus.SKIPPED),
                report.count(StepStatus.CANCELLED) > 0 ? ", " + report.count(StepStatus.CANCELLED) + " cancelled" : "",
                planned.out());
        out.flush();
    }
}
