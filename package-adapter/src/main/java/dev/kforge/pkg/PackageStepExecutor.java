package dev.kforge.pkg;

import dev.kforge.core.KforgeException;
import dev.kforge.core.elf.Elf;
import dev.kforge.core.exec.Artifacts;
import dev.kforge.core.exec.ProcessResult;
import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.exec.ProcessSpec;
import dev.kforge.core.exec.StepContext;
import dev.kforge.core.exec.StepExecutor;
import dev.kforge.core.exec.StepResult;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.fs.Staging;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Runs PACKAGE steps: reads the cell's published modules (signed when the workspace signs; nothing
 * else of out/, so no key or log goes in), writes the package into a staging directory beside the
 * step's output, checks it with the format's own tool (the step's command), and swaps it in whole.
 */
public final class PackageStepExecutor implements StepExecutor {

    private final Roots roots;
    private final ProcessRunner runner;
    private final Optional<Duration> stepTimeout;

    public PackageStepExecutor(Roots roots, ProcessRunner runner, Optional<Duration> stepTimeout) {
        this.roots = roots;
        this.runner = runner;
        this.stepTimeout = stepTimeout;
    }

    @Override
    public StepResult execute(Step step, StepContext context) throws InterruptedException {
        long start = System.nanoTime();
        try {
            return run(step, start);
        } catch (IOException e) {
            throw KforgeException.environment(step.id() + ": " + e.getMessage(), "check free space and permissions");
        }
    }

    private StepResult run(Step step, long start) throws IOException, InterruptedException {
        Path modulesDir = roots.path(step.attribute("modules"));
        SortedMap<String, byte[]> modules = new TreeMap<>();
        SortedMap<String, String> licenses = new TreeMap<>();
        Optional<String> vermagicRelease = Optional.empty();
        for (Path ko : modulesIn(modulesDir)) {
            byte[] bytes = Files.readAllBytes(ko);
            Elf elf = Elf.read(ko.toString(), bytes);
            modules.put(ko.getFileName().toString(), bytes);
            elf.modinfo("license").ifPresent(l -> licenses.put(ko.getFileName().toString(), l));
            if (vermagicRelease.isEmpty()) {
                vermagicRelease = elf.release();
            }
        }
        if (modules.isEmpty()) {
            return failed(step, start, "no module (.ko) in " + modulesDir + " to package");
        }
        Optional<String> fromModules = vermagicRelease;
        Optional<String> release =
                Optional.ofNullable(step.attributes().get("release")).or(() -> fromModules);
        if (release.isEmpty()) {
            return failed(step, start, "the modules in " + modulesDir + " carry no vermagic: cannot tell their kernel");
        }
        Path target = roots.path(step.attribute("dir"));
        Path staged = FileTrees.stagingFor(target);
        try {
            String written = switch (step.attribute("format")) {
                case "deb" -> writeDeb(step, staged, release.get(), modules, licenses);
                case "oci" -> writeOci(step, staged, release.get(), modules);
                default -> throw new IllegalArgumentException("no package format " + step.attribute("format"));
            };
            Optional<String> problem = check(step, staged.resolve(written));
            if (problem.isPresent()) {
                return failed(step, start, problem.get());
            }
            FileTrees.swapIn(staged, target);
        } finally {
            if (Files.exists(staged)) {
                FileTrees.deleteRecursively(staged);
            }
        }
        Path out = roots.path("${out}");
        List<String> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(target)) {
            s.filter(Files::isRegularFile)
                    .map(p -> out.relativize(p).toString())
                    .sorted()
                    .forEach(files::add);
        }
        return new StepResult(
                        step.id(),
                        StepStatus.BUILT,
                        Duration.ofNanos(System.nanoTime() - start),
                        "wrote " + String.join(", ", files),
                        List.of(),
                        new TreeMap<>())
                .with(Artifacts.files(files));
    }

    private static String writeDeb(
            Step step, Path dir, String release, SortedMap<String, byte[]> modules, SortedMap<String, String> licenses)
            throws IOException {
        String maintainer = Optional.ofNullable(step.attributes().get("maintainer"))
                .orElseThrow(() -> new IllegalStateException(step.id() + ": a Debian package needs a maintainer"));
        String summary = "Built for " + step.attribute("arch") + " with " + step.attribute("toolchain")
                + " (kforge cell " + step.attribute("cell") + ").";
        DebPackage p = DebContent.of(new DebContent.Cell(
                step.attribute("driver"),
                step.attribute("version"),
                release,
                step.attribute("debianArch"),
                maintainer,
                Optional.ofNullable(step.attributes().get("description")),
                Optional.ofNullable(step.attributes().get("distribution")),
                Optional.ofNullable(step.attributes().get("dependsOn"))
                        .map(d -> List.of(d.split(",")))
                        .orElse(List.of()),
                summary,
                modules,
                licenses,
                Long.parseLong(step.attribute("sourceDateEpoch"))));
        String name = DebContent.fileName(p);
        DebWriter.write(p, dir.resolve(name));
        return name;
    }

    /**
     * A kmod image in the layout of Kubernetes' Kernel Module Management: the modules (and those of the
     * drivers they need) in /opt/lib/modules/RELEASE/ with depmod's index of them, so KMM's modprobe
     * loads the driver with what it depends on. Written as an OCI layout into {@code dir}; "" (the
     * layout is the directory).
     */
    private String writeOci(Step step, Path dir, String release, SortedMap<String, byte[]> modules)
            throws IOException, InterruptedException {
        SortedMap<String, byte[]> all = new TreeMap<>(modules);
        for (var e : step.attributes().entrySet()) {
            if (e.getKey().startsWith("dependency.")) {
                for (Path ko : modulesIn(roots.path(e.getValue()))) {
                    all.putIfAbsent(ko.getFileName().toString(), Files.readAllBytes(ko));
                }
            }
        }
        Path work = Staging.dir(dir.getParent(), "." + dir.getFileName() + ".depmod.tmp-");
        try {
            Path modulesDir = Files.createDirectories(work.resolve("opt/lib/modules/" + release));
            for (var e : all.entrySet()) {
                Files.write(modulesDir.resolve(e.getKey()), e.getValue());
            }
            for (List<String> command : step.commands()) {
                if (!command.contains(PackagePlanner.STAGE)) {
                    continue;
                }
                List<String> argv = new ArrayList<>();
                for (String a : command) {
                    argv.add(a.replace(PackagePlanner.STAGE, work.resolve("opt").toString())
                            .replace(PackagePlanner.RELEASE, release));
                }
                ProcessResult r = run(argv, work);
                if (!r.succeeded()) {
                    throw KforgeException.environment(
                            String.join(" ", argv) + " failed (exit " + r.exitCode() + "): "
                                    + r.output().strip(),
                            "check that kmod's depmod works on this machine");
                }
            }
            SortedMap<String, DebPackage.File> files = new TreeMap<>();
            try (Stream<Path> s = Files.walk(work)) {
                for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                    files.put(work.relativize(f).toString(), new DebPackage.File(Files.readAllBytes(f), 0644));
                }
            }
            long mtime = DebContent.mtime(Long.parseLong(step.attribute("sourceDateEpoch")));
            SortedMap<String, String> annotations = new TreeMap<>();
            annotations.put("org.opencontainers.image.title", step.attribute("driver"));
            annotations.put("org.opencontainers.image.version", step.attribute("version"));
            annotations.put(
                    "org.opencontainers.image.created",
                    java.time.Instant.ofEpochSecond(mtime).toString());
            annotations.put(
                    "org.opencontainers.image.description",
                    Optional.ofNullable(step.attributes().get("description"))
                            .orElse(step.attribute("driver") + " kernel modules for Linux " + release
                                    + " (Kernel Module Management layout)"));
            Optional.ofNullable(step.attributes().get("revision"))
                    .ifPresent(rev -> annotations.put("org.opencontainers.image.revision", rev));
            annotations.put("dev.kforge.kernel.release", release);
            annotations.put("dev.kforge.arch", step.attribute("arch"));
            annotations.put("dev.kforge.cell", step.attribute("cell"));
            OciLayout.write(
                    new OciLayout.Image(
                            OciLayout.tagFor(release), step.attribute("ociPlatform"), files, annotations, mtime),
                    dir);
            return "";
        } finally {
            FileTrees.deleteRecursively(work);
        }
    }

    /** Runs the step's checks (its commands naming what was written) ({@code ${package}}); the first problem, if any. */
    private Optional<String> check(Step step, Path written) throws IOException, InterruptedException {
        for (List<String> command : step.commands()) {
            if (command.stream().noneMatch(a -> a.contains(PackagePlanner.PACKAGE))) {
                continue; // run before the package was written
            }
            List<String> argv = new ArrayList<>();
            for (String a : command) {
                argv.add(roots.resolve(a.replace(PackagePlanner.PACKAGE, written.toString())));
            }
            ProcessResult r = run(argv, roots.path(step.cwd()));
            if (!r.succeeded()) {
                return Optional.of(String.join(" ", argv) + " rejected the package (exit " + r.exitCode() + "): "
                        + r.output().strip());
            }
        }
        return Optional.empty();
    }

    /** The .ko files directly in {@code dir}, sorted: a cell's published modules. */
    private static List<Path> modulesIn(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".ko"))
                    .sorted()
                    .toList();
        }
    }

    /** One of the step's programs (depmod, dpkg-deb, skopeo), its output captured, under the step timeout. */
    private ProcessResult run(List<String> argv, Path cwd) throws InterruptedException {
        try {
            return runner.run(new ProcessSpec(argv, new TreeMap<>(), cwd, Optional.empty(), stepTimeout));
        } catch (IOException e) {
            throw KforgeException.environment(
                    "cannot run " + argv.get(0) + ": " + e.getMessage(),
                    "install it (scripts/install-deps installs kmod, dpkg and skopeo): kforge package runs it");
        }
    }

    private static StepResult failed(Step step, long start, String message) {
        return StepResult.failed(
                step.id(), Duration.ofNanos(System.nanoTime() - start), message, KforgeException.Kind.BUILD);
    }
}
