package dev.kforge.rust;

import dev.kforge.core.KforgeException;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.elf.Elf;
import dev.kforge.core.exec.Diagnostic;
import dev.kforge.core.exec.ProcessResult;
import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.exec.ProcessSpec;
import dev.kforge.core.exec.StepContext;
import dev.kforge.core.exec.StepExecutor;
import dev.kforge.core.exec.StepResult;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.fs.LogLines;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs cargo companion steps: {@code cargo test} on the host, and tool crates cross-built per
 * target architecture when that target's Rust standard library is installed (else skipped, with
 * the package that provides it). Built executables are checked for the target's ELF machine and
 * published into the cell's output directory by rename.
 */
public final class CargoStepExecutor implements StepExecutor {

    private static final Pattern TEST_RESULT =
            Pattern.compile("test result: (ok|FAILED)\\. (\\d+) passed; (\\d+) failed");

    private final Roots roots;
    private final ProcessRunner runner;
    private final Catalog catalog;
    private final Path rustlib;
    private final Optional<Duration> timeout;
    private final CrossLibc libc;

    /**
     * @param rustlib where Debian's rustc keeps per-target standard libraries (/usr/lib/rustlib)
     */
    public CargoStepExecutor(
            Roots roots, ProcessRunner runner, Catalog catalog, Path rustlib, Optional<Duration> timeout) {
        this(roots, runner, catalog, rustlib, timeout, CrossLibc.host(catalog));
    }

    CargoStepExecutor(
            Roots roots,
            ProcessRunner runner,
            Catalog catalog,
            Path rustlib,
            Optional<Duration> timeout,
            CrossLibc libc) {
        this.libc = libc;
        this.roots = roots;
        this.runner = runner;
        this.catalog = catalog;
        this.rustlib = rustlib;
        this.timeout = timeout;
    }

    @Override
    public StepResult execute(Step step, StepContext context) throws InterruptedException {
        long start = System.nanoTime();
        List<String> argv = roots.resolve(step.commands().get(0));
        if (!Files.isExecutable(Path.of(argv.get(0)))) {
            throw KforgeException.environment(
                    step.id() + ": " + argv.get(0) + " not found",
                    "apt-get install cargo (kforge builds companion crates with Debian's cargo and rustc)");
        }
        if (step.kind() == Step.Kind.CARGO_TOOL) {
            Optional<String> noStd = missingStd(step);
            if (noStd.isPresent()) {
                return result(step, StepStatus.SKIPPED, start, noStd.get(), Map.of());
            }
        }
        try {
            Path targetDir = roots.path(step.attribute("targetDir"));
            Files.createDirectories(targetDir);
            Path log = targetDir.resolve(step.kind().key() + ".log");
            Files.writeString(log, "$ " + String.join(" ", argv) + "\n");
            ProcessResult r;
            try {
                r = runner.run(new ProcessSpec(argv, step.env(), roots.path(step.cwd()), Optional.of(log), timeout));
            } catch (IOException e) {
                throw KforgeException.environment(
                        step.id() + ": cannot run cargo: " + e.getMessage(), "apt-get install cargo");
            }
            if (r.timedOut()) {
                return result(
                        step, StepStatus.TIMED_OUT, start, "timed out; see " + log, Map.of("log", log.toString()));
            }
            if (step.kind() == Step.Kind.CARGO_TEST) {
                return testResult(step, r, log, start);
            }
            if (!r.succeeded()) {
                return result(
                        step,
                        StepStatus.FAILED,
                        start,
                        "cargo build exited " + r.exitCode() + "; see " + log,
                        Map.of("log", log.toString()));
            }
            return publishTools(step, targetDir, log, start);
        } catch (IOException e) {
            throw KforgeException.environment(step.id() + ": " + e.getMessage(), "check free space and permissions");
        }
    }

    /**
     * Why a tool crate cannot be built for its arch: no Rust standard library for the target (a
     * skip, with the packages that add it). A standard library without the C library to link
     * against is an environment error.
     */
    private Optional<String> missingStd(Step step) {
        String triple = step.attribute("triple");
        Architecture arch = catalog.requireArch(step.attribute("arch"));
        if (Files.isDirectory(rustlib.resolve(triple).resolve("lib"))) {
            Optional<String> noLibc = libc.problem(arch);
            if (noLibc.isPresent()) {
                throw KforgeException.environment(step.id() + ": " + noLibc.get(), "scripts/install-deps installs it");
            }
            return Optional.empty();
        }
        return Optional.of("no Rust standard library for " + triple + " (install it: "
                + "dpkg --add-architecture " + arch.debianArch()
                + " && apt-get update && apt-get install libstd-rust-dev:"
                + arch.debianArch() + ")");
    }

    /** cargo test's counts, summed over its test binaries; the log is streamed, never read whole. */
    private static StepResult testResult(Step step, ProcessResult r, Path log, long start) throws IOException {
        int[] counts = new int[2]; // passed, failed
        LogLines.forEach(log, line -> {
            Matcher m = TEST_RESULT.matcher(line);
            while (m.find()) {
                counts[0] += Integer.parseInt(m.group(2));
                counts[1] += Integer.parseInt(m.group(3));
            }
        });
        String summary = counts[0] + " passed, " + counts[1] + " failed";
        return result(
                step,
                r.succeeded() ? StepStatus.BUILT : StepStatus.FAILED,
                start,
                r.succeeded() ? summary : "cargo test failed (" + summary + "); see " + log,
                Map.of("log", log.toString()));
    }

    private StepResult publishTools(Step step, Path targetDir, Path log, long start) throws IOException {
        Architecture arch = catalog.requireArch(step.attribute("arch"));
        Path release = targetDir.resolve(step.attribute("triple")).resolve("release");
        List<Path> bins;
        try (Stream<Path> s = Files.list(release)) {
            bins = s.filter(p -> Files.isRegularFile(p)
                            && Files.isExecutable(p)
                            && !p.getFileName().toString().contains("."))
                    .sorted()
                    .toList();
        }
        if (bins.isEmpty()) {
            return result(
                    step,
                    StepStatus.FAILED,
                    start,
                    "cargo built no executable in " + release,
                    Map.of("log", log.toString()));
        }
        for (Path b : bins) {
            int machine = Elf.read(b).machine();
            if (machine != arch.elfMachine()) {
                return result(
                        step,
                        StepStatus.FAILED,
                        start,
                        b.getFileName() + " has ELF machine " + machine + ", expected " + arch.elfMachine(),
                        Map.of("log", log.toString()));
            }
        }
        Path out = roots.path(step.attribute("outDir"));
        Path tmp = FileTrees.stagingFor(out);
        try {
            for (Path b : bins) {
                Files.copy(b, tmp.resolve(b.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
            Files.copy(log, tmp.resolve("build.log"));
            FileTrees.swapIn(tmp, out);
            tmp = null;
        } finally {
            if (tmp != null) {
                FileTrees.deleteRecursively(tmp);
            }
        }
        List<String> names = new ArrayList<>();
        bins.forEach(b -> names.add(b.getFileName().toString()));
        return result(
                step,
                StepStatus.BUILT,
                start,
                String.join(", ", names) + " for " + step.attribute("triple"),
                Map.of("log", out.resolve("build.log").toString()));
    }

    private static StepResult result(
            Step step, StepStatus status, long start, String message, Map<String, String> details) {
        return new StepResult(
                step.id(),
                status,
                Duration.ofNanos(System.nanoTime() - start),
                message,
                List.<Diagnostic>of(),
                new TreeMap<>(details));
    }
}
