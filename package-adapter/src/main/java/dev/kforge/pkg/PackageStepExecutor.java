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
import dev.kforge.core.model.Driver;
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
            return step.attribute("format").equals("dkms") ? runDkms(step, context, start) : run(step, start);
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
        String release = Optional.ofNullable(step.attributes().get("release"))
                .or(() -> fromModules)
                .orElse("");
        if (release.isEmpty()) {
            return failed(step, start, "the modules in " + modulesDir + " carry no vermagic: cannot tell their kernel");
        }
        return publish(step, start, "", staged -> switch (step.attribute("format")) {
            case "deb" -> writeDeb(step, staged, release, modules, licenses);
            case "oci" -> writeOci(step, staged, release, modules);
            default -> throw new IllegalArgumentException("no package format " + step.attribute("format"));
        });
    }

    /** Writes a package into a staging directory beside the step's output; a problem found on the way. */
    @FunctionalInterface
    private interface StagedWrite {
        /** Writes into {@code staged}; returns what the checks read, relative to it ("" for the directory). */
        String write(Path staged) throws IOException, InterruptedException, Rejected;
    }

    /** A problem with what a step was writing, found before its checks ran. */
    private static final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;

        Rejected(String message) {
            super(message);
        }
    }

    /**
     * Writes the package into a staging directory beside the step's output, checks what was written with the
     * step's commands that name {@code ${package}}, and swaps it in whole; the result lists every file written.
     */
    private StepResult publish(Step step, long start, String note, StagedWrite write)
            throws IOException, InterruptedException {
        Path target = roots.path(step.attribute("dir"));
        Path staged = FileTrees.stagingFor(target);
        try {
            String written = write.write(staged);
            Optional<String> problem = check(step, staged.resolve(written));
            if (problem.isPresent()) {
                return failed(step, start, problem.get());
            }
            FileTrees.swapIn(staged, target);
        } catch (Rejected r) {
            return failed(step, start, r.getMessage());
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
                        "wrote " + String.join(", ", files) + note,
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
                listAttribute(step, "dependsOn"),
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

    /**
     * A driver's DKMS package, from the cells of it that worked in this run: every step a cell waited for
     * succeeded ({@link StepContext#after()}); one failed or timed out where a step of the cell did. A cell the
     * run did not have (another selection, another shard), or that was skipped (its kernel lacks an option the
     * driver requires, a driver it needs failed) or cancelled, counts neither way, as in the compatibility
     * report. With no cell that worked there is nothing to bound the package by: skipped.
     */
    private StepResult runDkms(Step step, StepContext context, long start) throws IOException, InterruptedException {
        String driver = step.attribute("driver");
        List<KernelRange.Version> worked = new ArrayList<>();
        List<KernelRange.Version> failed = new ArrayList<>();
        java.util.SortedSet<String> modules = new java.util.TreeSet<>();
        java.util.SortedSet<String> machines = new java.util.TreeSet<>();
        SortedMap<String, java.util.SortedSet<String>> releases = new TreeMap<>();
        java.util.Map<String, StepStatus> after = context.after();
        for (String cell : cellsOf(step)) {
            // The steps of the cell this run had: its publisher and test; in kforge verify, its build alone.
            List<String> steps = new ArrayList<>(listAttribute(step, "cell." + cell + ".steps"));
            steps.add(step.attribute("cell." + cell + ".build"));
            steps.removeIf(s -> !after.containsKey(s));
            if (steps.isEmpty()) {
                continue; // not in this run
            }
            Optional<KernelRange.Version> version =
                    KernelRange.Version.of(step.attribute("cell." + cell + ".kernelVersion"));
            if (steps.stream().anyMatch(s -> after.get(s).ranAndFailed())) {
                version.ifPresent(failed::add);
                continue;
            }
            if (!steps.stream().allMatch(s -> after.get(s).ok())) {
                continue; // skipped or cancelled: neither worked nor failed
            }
            Path dir = roots.path(step.attribute("cell." + cell + ".dir"));
            Built built = built(dir);
            Optional<KernelRange.Version> v =
                    built.release().flatMap(KernelRange.Version::of).or(() -> version);
            if (v.isEmpty() || built.modules().isEmpty()) {
                return failed(
                        step,
                        start,
                        "cell " + cell + " passed but " + dir.resolve("metadata.json")
                                + " names no module or kernel release");
            }
            worked.add(v.get());
            modules.addAll(built.modules());
            List<String> m = listAttribute(step, "cell." + cell + ".machines");
            machines.addAll(m);
            releases.computeIfAbsent(built.release().orElse(v.get().toString()), k -> new java.util.TreeSet<>())
                    .add(m.get(0));
        }
        Optional<KernelRange.Range> range = KernelRange.of(worked, failed);
        if (range.isEmpty()) {
            return StepResult.of(
                    step.id(),
                    StepStatus.SKIPPED,
                    Duration.ofNanos(System.nanoTime() - start),
                    "not built: no cell of " + driver
                            + " worked in this run, so no kernel to build its DKMS package for");
        }
        List<String> configs = listAttribute(step, "requires");
        List<String> notes = new ArrayList<>();
        releases.forEach((release, arches) -> notes.add(release + " (" + String.join(", ", arches) + ")"));
        DkmsContent.Source own = source(step, "source.", driver);
        List<DkmsContent.Source> dependencies = dependencies(step);
        // No private key ever goes into a package: a signing key kept in a driver's directory stops it.
        for (DkmsContent.Source s : concat(own, dependencies)) {
            for (var f : s.files().entrySet()) {
                if (new String(f.getValue().content(), java.nio.charset.StandardCharsets.ISO_8859_1)
                        .contains("PRIVATE KEY-----")) {
                    return failed(
                            step,
                            start,
                            "driver " + s.name() + "'s directory holds a private key (" + f.getKey()
                                    + "): a DKMS package carries the driver's sources, and never a key; move the key out"
                                    + " of the driver's directory");
                }
            }
        }
        DkmsContent.Contents p = new DkmsContent.Contents(
                own,
                step.attribute("version"),
                dependencies,
                List.copyOf(modules),
                range.get(),
                List.copyOf(machines),
                configs,
                notes);
        String note =
                " for kernels " + range.get().describe() + " (" + worked.size() + " of the driver's cells worked)";
        return publish(step, start, note, staged -> {
            Files.createDirectories(staged);
            SortedMap<String, DebPackage.File> members = DkmsContent.members(p);
            // dkms.conf where DKMS finds it, for the step's commands that read it (bash -n) before the tarball is
            // written; no other file of the tree is read there.
            Path tree = Staging.dir(staged.getParent(), "." + staged.getFileName() + ".tree.tmp-");
            try {
                String conf = DkmsContent.TREE + "dkms.conf";
                Files.createDirectories(tree.resolve(DkmsContent.TREE));
                Files.write(tree.resolve(conf), members.get(conf).content());
                Optional<String> problem = runOn(step, PackagePlanner.STAGE, tree);
                if (problem.isPresent()) {
                    throw new Rejected(problem.get());
                }
            } finally {
                FileTrees.deleteRecursively(tree);
            }
            String name = DkmsContent.fileName(p);
            long mtime = DebContent.mtime(Long.parseLong(step.attribute("sourceDateEpoch")));
            Files.write(staged.resolve(name), Tarballs.gzip(Tarballs.tar(members, mtime, "root"), 9));
            return name;
        });
    }

    /** An attribute the planner writes as a comma-separated list; empty when absent. */
    private static List<String> listAttribute(Step step, String key) {
        return Optional.ofNullable(step.attributes().get(key))
                .map(v -> List.of(v.split(",")))
                .orElse(List.of());
    }

    private static List<DkmsContent.Source> concat(DkmsContent.Source first, List<DkmsContent.Source> rest) {
        List<DkmsContent.Source> all = new ArrayList<>(List.of(first));
        all.addAll(rest);
        return all;
    }

    /** The cell ids a driver package names (cell.ID.dir attributes). */
    private static List<String> cellsOf(Step step) {
        List<String> out = new ArrayList<>();
        step.attributes().keySet().stream()
                .filter(k -> k.startsWith("cell.") && k.endsWith(".dir"))
                .forEach(k -> out.add(k.substring("cell.".length(), k.length() - ".dir".length())));
        return out;
    }

    /**
     * What a cell's out/ directory says it built, from the metadata.json its build published (every published
     * cell has one): its modules (paths as Kbuild made them) and their release; nothing when there is none.
     */
    private record Built(List<String> modules, Optional<String> release) {}

    @SuppressWarnings("unchecked")
    private static Built built(Path dir) throws IOException {
        Path metadata = dir.resolve("metadata.json");
        if (Files.isRegularFile(metadata)
                && dev.kforge.core.json.CanonicalJson.read(Files.readString(metadata)) instanceof java.util.Map<?, ?> m
                && m.get("modules") instanceof java.util.Map<?, ?> mm) {
            return new Built(
                    ((java.util.Map<String, Object>) mm)
                            .keySet().stream().sorted().toList(),
                    m.get("release") instanceof String r && !r.isEmpty() ? Optional.of(r) : Optional.empty());
        }
        return new Built(List.of(), Optional.empty());
    }

    /** The drivers a driver package carries the sources of, each after those it needs. */
    private List<DkmsContent.Source> dependencies(Step step) throws IOException {
        java.util.Map<String, DkmsContent.Source> byName = new TreeMap<>();
        for (String k : step.attributes().keySet()) {
            if (k.startsWith("dependency.") && k.endsWith(".dir")) {
                String name = k.substring("dependency.".length(), k.length() - ".dir".length());
                byName.put(name, source(step, "dependency." + name + ".", name));
            }
        }
        List<DkmsContent.Source> ordered = new ArrayList<>();
        while (ordered.size() < byName.size()) {
            int before = ordered.size();
            for (DkmsContent.Source s : byName.values()) {
                if (!ordered.contains(s)
                        && s.dependsOn().stream()
                                .filter(byName::containsKey)
                                .allMatch(d ->
                                        ordered.stream().anyMatch(o -> o.name().equals(d)))) {
                    ordered.add(s);
                }
            }
            if (ordered.size() == before) {
                throw new IllegalStateException(step.id() + ": the drivers it needs depend on each other in a cycle");
            }
        }
        return ordered;
    }

    /** A driver's files (without kforge's own and its cargo crates), make variables and dependencies, from the step. */
    private DkmsContent.Source source(Step step, String prefix, String name) throws IOException {
        Path dir = roots.path(step.attribute(prefix + "dir"));
        List<String> excluded = listAttribute(step, prefix + "exclude");
        SortedMap<String, DebPackage.File> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                String rel = dir.relativize(f).toString();
                String fileName = f.getFileName().toString();
                if (excluded.stream().anyMatch(x -> rel.equals(x) || rel.startsWith(x + "/"))
                        || Driver.GENERATED_FILES.contains(fileName)) {
                    continue;
                }
                files.put(rel, new DebPackage.File(Files.readAllBytes(f), Files.isExecutable(f) ? 0755 : 0644));
            }
        }
        SortedMap<String, String> make = new TreeMap<>();
        step.attributes().forEach((k, v) -> {
            if (k.startsWith(prefix + "make.")) {
                make.put(k.substring((prefix + "make.").length()), v);
            }
        });
        return new DkmsContent.Source(name, files, make, listAttribute(step, prefix + "dependsOn"));
    }

    /** Runs the step's commands that name {@code placeholder}, given {@code path} for it; the first problem, if any. */
    private Optional<String> runOn(Step step, String placeholder, Path path) throws IOException, InterruptedException {
        for (List<String> command : step.commands()) {
            if (command.stream().noneMatch(a -> a.contains(placeholder))) {
                continue;
            }
            List<String> argv = new ArrayList<>();
            for (String a : command) {
                argv.add(roots.resolve(a.replace(placeholder, path.toString())));
            }
            ProcessResult r = run(argv, roots.path(step.cwd()));
            if (!r.succeeded()) {
                return Optional.of(String.join(" ", argv) + " rejected the package (exit " + r.exitCode() + "): "
                        + r.output().strip());
            }
        }
        return Optional.empty();
    }

    /** Runs the step's checks (its commands naming what was written) ({@code ${package}}); the first problem, if any. */
    private Optional<String> check(Step step, Path written) throws IOException, InterruptedException {
        return runOn(step, PackagePlanner.PACKAGE, written);
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
