package dev.kforge.kbuild;

import dev.kforge.core.KforgeException;
import dev.kforge.core.exec.Diagnostic;
import dev.kforge.core.exec.ProcessResult;
import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.exec.ProcessSpec;
import dev.kforge.core.exec.RootedRunner;
import dev.kforge.core.exec.StepResult;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.fs.LogLines;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What every Kbuild step shares: runs one command of a step into its log under the step's
 * deadline, turns a failure into the step's result (with diagnostics), and the tighter of
 * --step-timeout and a driver's own timeout.
 */
final class Make {

    private final Roots roots;
    private final ProcessRunner runner;
    private final Optional<Duration> stepTimeout;

    Make(Roots roots, ProcessRunner runner, Optional<Duration> stepTimeout) {
        this.roots = roots;
        this.runner = runner;
        this.stepTimeout = stepTimeout;
    }

    /** When a step's commands together must be done, from now: System.nanoTime() scale, MAX_VALUE for never. */
    long deadline(Step step) {
        return effectiveTimeout(step).map(d -> System.nanoTime() + d.toNanos()).orElse(Long.MAX_VALUE);
    }

    /** The tighter of --step-timeout and the driver's own timeout (tree steps have only the former). */
    private Optional<Duration> effectiveTimeout(Step step) {
        Optional<Duration> driver = Optional.ofNullable(step.attributes().get("timeoutSeconds"))
                .map(s -> Duration.ofSeconds(Long.parseLong(s)));
        if (driver.isPresent() && stepTimeout.isPresent()) {
            return Optional.of(driver.get().compareTo(stepTimeout.get()) < 0 ? driver.get() : stepTimeout.get());
        }
        return driver.or(() -> stepTimeout);
    }

    /** Runs one command; a failure becomes the step's result (with diagnostics when a parser is given). */
    Optional<StepResult> run(
            Step step, List<String> argv, Path log, long deadline, long start, Optional<KbuildLog> parser)
            throws IOException, InterruptedException {
        return run(step, argv, log, deadline, start, parser, Map.of());
    }

    /** As {@link #run(Step, List, Path, long, long, Optional)}, with variables added to the step's environment. */
    Optional<StepResult> run(
            Step step,
            List<String> argv,
            Path log,
            long deadline,
            long start,
            Optional<KbuildLog> parser,
            Map<String, String> extraEnv)
            throws IOException, InterruptedException {
        Optional<Duration> timeout = deadline == Long.MAX_VALUE
                ? Optional.empty()
                : Optional.of(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        List<String> resolved = roots.resolve(argv);
        Files.writeString(
                log, "$ " + String.join(" ", resolved) + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        ProcessResult r;
        ProcessRunner run = runner;
        String root = step.attributes().get("root");
        if (root != null) { // a toolchain root: make and the compilers are the root's
            run = new RootedRunner(runner, roots.path("${kernel:" + root + "}"), roots.hostDirs(), false);
        }
        try {
            TreeMap<String, String> env = new TreeMap<>(step.env());
            env.putAll(extraEnv);
            r = run.run(new ProcessSpec(resolved, env, roots.path(step.cwd()), Optional.of(log), timeout));
        } catch (IOException e) {
            String program = resolved.get(0);
            throw KforgeException.environment(
                    step.id() + ": cannot run " + program + ": " + e.getMessage(),
                    "kforge doctor says which package provides it");
        }
        if (r.succeeded()) {
            return Optional.empty();
        }
        List<Diagnostic> diagnostics = parser.isPresent() ? parser.get().parse(log) : List.of();
        if (r.timedOut()) {
            return Optional.of(result(
                    step,
                    StepStatus.TIMED_OUT,
                    start,
                    "timed out after "
                            + effectiveTimeout(step).map(Duration::toSeconds).orElse(0L)
                            + " s (its processes were killed); see " + log,
                    diagnostics,
                    Map.of("log", log.toString())));
        }
        String first = diagnostics.stream()
                .filter(d -> d.severity() == Diagnostic.Severity.ERROR)
                .findFirst()
                .map(Diagnostic::format)
                .orElse(argv.get(0) + " exited " + r.exitCode() + " (" + lastLines(log) + ")");
        return Optional.of(result(step, StepStatus.FAILED, start, first, diagnostics, Map.of("log", log.toString())));
    }

    private static String lastLines(Path log) throws IOException {
        List<String> lines = LogLines.last(log, 3);
        return lines.isEmpty() ? "no output" : String.join(" | ", lines).strip();
    }

    static StepResult result(
            Step step,
            StepStatus status,
            long start,
            String message,
            List<Diagnostic> diagnostics,
            Map<String, String> details) {
        return new StepResult(
                step.id(),
                status,
                Duration.ofNanos(System.nanoTime() - start),
                message,
                diagnostics,
                new TreeMap<>(details));
    }
}
