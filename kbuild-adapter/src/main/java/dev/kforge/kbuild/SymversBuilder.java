package dev.kforge.kbuild;

import dev.kforge.core.exec.StepResult;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * SYMVERS steps: builds a prepared tree's vmlinux and in-tree modules in a directory beside it,
 * puts the resulting Module.symvers into the tree (written whole, by rename) and removes the
 * build. A tree already holding the Module.symvers of the same step (its marker matches) is
 * reused without running make, as prepared trees are.
 */
final class SymversBuilder {

    static final String MARKER = ".kforge-symvers.json";

    private final Roots roots;
    private final Make make;

    SymversBuilder(Roots roots, Make make) {
        this.roots = roots;
        this.make = make;
    }

    StepResult build(Step step) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Path tree = roots.path(step.attribute("tree"));
        Path full = roots.path(step.attribute("fullBuild"));
        Path symvers = tree.resolve("Module.symvers");
        Path marker = tree.resolve(MARKER);
        String expected = TreePreparer.marker(step);
        Optional<Path> boot = Optional.ofNullable(step.attributes().get("boot")).map(roots::path);
        Optional<Path> bootImage = boot.map(b -> b.resolve(step.attribute("bootImageName")));
        if (Files.isRegularFile(symvers)
                && Files.isRegularFile(marker)
                && Files.readString(marker).equals(expected)
                && bootImage.map(Files::isRegularFile).orElse(true)) {
            return Make.result(
                    step,
                    StepStatus.CACHED,
                    start,
                    "reused Module.symvers of " + tree,
                    List.of(),
                    Map.of("tree", tree.toString()));
        }
        Path log = full.resolveSibling(full.getFileName() + ".log");
        Files.deleteIfExists(log);
        Files.deleteIfExists(marker);
        long deadline = make.deadline(step);
        for (List<String> argv : step.commands()) {
            Optional<StepResult> failed = make.run(step, argv, log, deadline, start, Optional.empty());
            if (failed.isPresent()) {
                return failed.get();
            }
        }
        Path built = full.resolve("Module.symvers");
        if (!Files.isRegularFile(built)) {
            return Make.result(
                    step,
                    StepStatus.FAILED,
                    start,
                    "make vmlinux modules wrote no Module.symvers; see " + log,
                    List.of(),
                    Map.of("log", log.toString()));
        }
        install(built, symvers);
        if (boot.isPresent()) {
            Optional<StepResult> failed = publishBoot(step, boot.get(), log, start);
            if (failed.isPresent()) {
                return failed.get();
            }
        }
        Files.writeString(marker, expected);
        FileTrees.deleteRecursively(full);
        long symbols;
        try (var lines = Files.lines(symvers)) {
            symbols = lines.count();
        }
        return Make.result(
                step,
                StepStatus.BUILT,
                start,
                symbols + " kernel symbols in " + symvers.getFileName()
                        + (boot.isPresent() ? ", kernel image " + step.attribute("bootImageName") : ""),
                List.of(),
                Map.of("tree", tree.toString(), "log", log.toString()));
    }

    /** Module.symvers into the tree by rename: a reader sees the old file or the whole new one. */
    private static void install(Path built, Path symvers) throws IOException {
        Path tmp = Files.createTempFile(symvers.getParent(), "Module.symvers", ".tmp");
        try {
            Files.copy(built, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, symvers, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The staged kernel image and in-tree modules replace the tree's boot directory whole; the failure, if any. */
    private Optional<StepResult> publishBoot(Step step, Path boot, Path log, long start) throws IOException {
        Path staging = roots.path(step.attribute("bootStaging"));
        if (!Files.isRegularFile(staging.resolve(step.attribute("bootImageName")))) {
            return Optional.of(Make.result(
                    step,
                    StepStatus.FAILED,
                    start,
                    "make wrote no kernel image " + step.attribute("bootImageName") + "; see " + log,
                    List.of(),
                    Map.of("log", log.toString())));
        }
        dropLinks(staging.resolve("lib/modules")); // build and source point into the build directory removed below
        FileTrees.swapIn(staging, boot);
        return Optional.empty();
    }

    /** Removes the symbolic links modules_install leaves in {@code lib/modules/RELEASE} (build, source). */
    private static void dropLinks(Path modules) throws IOException {
        if (!Files.isDirectory(modules)) {
            return;
        }
        try (var releases = Files.list(modules)) {
            for (Path rel : releases.toList()) {
                for (String link : List.of("build", "source")) {
                    if (Files.isSymbolicLink(rel.resolve(link))) {
                        Files.delete(rel.resolve(link));
                    }
                }
            }
        }
    }
}
