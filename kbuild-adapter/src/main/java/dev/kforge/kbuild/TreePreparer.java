package dev.kforge.kbuild;

import dev.kforge.core.cache.CacheDirs;
import dev.kforge.core.cache.FileLock;
import dev.kforge.core.digest.Fingerprint;
import dev.kforge.core.exec.StepResult;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.json.CanonicalJson;
import dev.kforge.core.plan.Planner;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Step;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.slf4j.LoggerFactory;

/**
 * PREPARE steps: under a cross-process lock, reuses a tree whose completion marker matches the step
 * (and whose file listing shows it undamaged), or discards a half-prepared one and runs the step's
 * commands, verifying after olddefconfig that every option the fragments ask for took, since
 * Kconfig drops what it cannot satisfy silently. The marker stores the make variables the tree was
 * prepared with; every later make must pass the same ones.
 */
final class TreePreparer {

    private final Roots roots;
    private final Make make;
    private final CacheDirs cache;

    TreePreparer(Roots roots, Make make, CacheDirs cache) {
        this.roots = roots;
        this.make = make;
        this.cache = cache;
    }

    StepResult prepare(Step step) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Path tree = roots.path(step.attribute("tree"));
        Path log = tree.resolveSibling(tree.getFileName() + ".log");
        String expected = marker(step);
        Files.createDirectories(tree.getParent());
        try (FileLock lock = FileLock.acquire(cache.locks().resolve("tree-" + tree.getFileName() + ".lock"))) {
            Path marker = tree.resolve(KbuildStepExecutor.MARKER);
            if (prepared(step, tree, marker, expected)) {
                return Make.result(
                        step,
                        StepStatus.CACHED,
                        start,
                        "reused prepared tree " + tree,
                        List.of(),
                        Map.of("tree", tree.toString(), "log", log.toString()));
            }
            if (Files.exists(tree)) {
                if (!Files.isRegularFile(marker)) {
                    LoggerFactory.getLogger(KbuildStepExecutor.class)
                            .warn("{}: discarding half-prepared tree {}", step.id(), tree);
                }
                FileTrees.deleteRecursively(tree);
            }
            Files.deleteIfExists(log);
            long deadline = make.deadline(step);
            for (List<String> argv : step.commands()) {
                Optional<StepResult> failed = make.run(step, argv, log, deadline, start, Optional.empty());
                if (failed.isPresent()) {
                    return failed.get();
                }
                List<String> lost = argv.get(argv.size() - 1).equals("olddefconfig") ? lost(step, tree) : List.of();
                if (!lost.isEmpty()) {
                    return Make.result(
                            step,
                            StepStatus.FAILED,
                            start,
                            "Kconfig did not take " + String.join(", ", lost)
                                    + " (a dependency is missing or the option does not exist for this arch); see "
                                    + log,
                            List.of(),
                            Map.of("log", log.toString()));
                }
            }
            if (!Files.isRegularFile(tree.resolve("include/generated/utsrelease.h"))) {
                return Make.result(
                        step,
                        StepStatus.FAILED,
                        start,
                        "modules_prepare finished without include/generated/utsrelease.h",
                        List.of(),
                        Map.of("log", log.toString()));
            }
            Optional<String> notTheKernels = distroOverlay(step, tree);
            if (notTheKernels.isPresent()) {
                // Not the kernel's: nothing may build on it, and it is not kept (a Rust tree is some 250 MB).
                FileTrees.deleteRecursively(tree);
                return Make.result(
                        step,
                        StepStatus.FAILED,
                        start,
                        notTheKernels.get() + " (refused before any driver was built on it; see " + log + ")",
                        List.of(),
                        Map.of("log", log.toString()));
            }
            Path tmp = Files.createTempFile(tree.getParent(), tree.getFileName() + ".marker", ".tmp");
            @SuppressWarnings("unchecked")
            Map<String, Object> content = new LinkedHashMap<>((Map<String, Object>) CanonicalJson.read(expected));
            content.put("listing", listing(tree));
            Files.writeString(tmp, CanonicalJson.write(content));
            Files.move(tmp, marker, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return Make.result(
                    step,
                    StepStatus.BUILT,
                    start,
                    "prepared " + tree,
                    List.of(),
                    Map.of("tree", tree.toString(), "log", log.toString()));
        }
    }

    /**
     * A distribution kernel's Rust tree: the kernel's Module.symvers, release and BTF laid over it,
     * then its Rust crates checked against the kernel's; why they are not the kernel's, if not.
     */
    private Optional<String> distroOverlay(Step step, Path tree) throws IOException {
        String headersRef = step.attributes().get("distroHeaders");
        if (headersRef == null) {
            return Optional.empty();
        }
        Path headers = roots.path(headersRef);
        String release = step.attributes().getOrDefault("release", headersRef);
        try {
            DistroRustTree.overlay(headers, tree);
        } catch (IOException e) {
            return Optional.of("kernel " + release + ": " + e.getMessage());
        }
        return DistroRustTree.mismatch(
                DistroRustTree.treeExports(tree),
                DistroRustTree.kernelExports(headers.resolve("Module.symvers")),
                release,
                DistroRustTree.configDiff(
                        KernelConfig.read(headers.resolve(".config")), KernelConfig.read(tree.resolve(".config"))));
    }

    /** Whether the tree was prepared for exactly this step and is unchanged since (its listing matches). */
    private boolean prepared(Step step, Path tree, Path marker, String expected) throws IOException {
        if (!Files.isRegularFile(marker)) {
            return false;
        }
        Map<?, ?> stored = markerContent(marker);
        if (stored.get("listing") == null && stored.equals(CanonicalJson.read(expected))) {
            // A marker from before listings were recorded: record one now, trusting the tree this once.
            stored = upgradeMarker(marker, expected, tree);
        }
        if (stored.get("listing") == null || !withoutListing(stored).equals(CanonicalJson.read(expected))) {
            return false;
        }
        if (stored.get("listing").equals(listing(tree))) {
            return true;
        }
        LoggerFactory.getLogger(KbuildStepExecutor.class)
                .warn(
                        "{}: prepared tree {} was damaged (files changed or deleted); preparing it again",
                        step.id(),
                        tree);
        return false;
    }

    /** After olddefconfig: the fragments' options and the expected ones that Kconfig dropped. */
    private List<String> lost(Step step, Path tree) throws IOException {
        List<String> lost = new ArrayList<>(verifyFragments(step, tree));
        String expect = step.attributes().getOrDefault("expect", "");
        if (expect.isEmpty()) {
            return lost;
        }
        KernelConfig actual = KernelConfig.read(tree.resolve(".config"));
        for (String kv : expect.split(",")) {
            String[] p = kv.split("=", 2);
            if (!actual.get(p[0]).equals(p[1])) {
                lost.add(kv + " (got " + actual.get(p[0])
                        + (p[0].equals("CONFIG_RUST")
                                ? "; the kernel's rust_is_available.sh did not accept the toolchain, or a dependency of RUST is off)"
                                : "; a dependency is off)"));
            }
        }
        return lost;
    }

    private static Map<?, ?> markerContent(Path marker) throws IOException {
        try {
            return (Map<?, ?>) CanonicalJson.read(Files.readString(marker));
        } catch (RuntimeException e) {
            return Map.of(); // a torn marker: the tree is prepared again
        }
    }

    private static Map<?, ?> upgradeMarker(Path marker, String expected, Path tree) throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> content = new LinkedHashMap<>((Map<String, Object>) CanonicalJson.read(expected));
        content.put("listing", listing(tree));
        Path tmp = Files.createTempFile(tree.getParent(), tree.getFileName() + ".marker", ".tmp");
        Files.writeString(tmp, CanonicalJson.write(content));
        Files.move(tmp, marker, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return content;
    }

    private static Object withoutListing(Map<?, ?> m) {
        Map<Object, Object> copy = new LinkedHashMap<>(m);
        copy.remove("listing");
        return copy;
    }

    /**
     * A digest of every file's path and size in a prepared tree (the marker aside): a deleted or
     * truncated file changes it. M= builds write nothing into the tree, so it stays put.
     */
    static String listing(Path tree) throws IOException {
        // One stat per file (walkFileTree hands over the attributes): reuse of a tree stays cheap.
        TreeMap<String, Long> files = new TreeMap<>();
        Files.walkFileTree(tree, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) {
                // A bootable kernel's image and installed modules (the SYMVERS step's) are not the tree's own either.
                String name = d.getFileName().toString();
                return d.getParent() != null && d.getParent().equals(tree) && name.startsWith(Planner.BOOT_DIR)
                        ? FileVisitResult.SKIP_SUBTREE
                        : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path p, BasicFileAttributes a) {
                // The markers, and the Module.symvers a SYMVERS step adds, are not the tree's own files.
                String name = p.getFileName().toString();
                if (a.isRegularFile()
                        && !name.equals(KbuildStepExecutor.MARKER)
                        && !name.equals(SymversBuilder.MARKER)
                        && !(name.equals("Module.symvers") && p.getParent().equals(tree))) {
                    files.put(tree.relativize(p).toString(), a.size());
                }
                return FileVisitResult.CONTINUE;
            }
        });
        Fingerprint f = new Fingerprint("kforge-tree-listing", 1);
        files.forEach((name, size) -> f.add(name).add(size));
        return f.digest().hex();
    }

    /** The marker records the step (unresolved, so it is machine-independent) and its make variables. */
    static String marker(Step step) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", step.id());
        m.put("commands", step.commands());
        m.put("makeVariables", makeVariables(step.commands().get(step.commands().size() - 1)));
        return CanonicalJson.write(m);
    }

    /** ARCH, CROSS_COMPILE, LLVM and the tool variables of a make argv. */
    static SortedMap<String, String> makeVariables(List<String> argv) {
        SortedMap<String, String> vars = new TreeMap<>();
        for (String a : argv) {
            int eq = a.indexOf('=');
            if (eq > 0) {
                String k = a.substring(0, eq);
                if (List.of(
                                        "ARCH",
                                        "CROSS_COMPILE",
                                        "LLVM",
                                        "CC",
                                        "LD",
                                        "RUSTC",
                                        "BINDGEN",
                                        "HOSTRUSTC",
                                        "RUST_LIB_SRC",
                                        "KRUSTFLAGS")
                                .contains(k)
                        && !(k.equals("KRUSTFLAGS") && a.contains("remap-path-prefix"))) {
                    vars.put(k, a.substring(eq + 1));
                }
            }
        }
        return vars;
    }

    private List<String> verifyFragments(Step step, Path tree) {
        String frags = step.attributes().getOrDefault("fragments", "");
        if (frags.isEmpty()) {
            return List.of();
        }
        KernelConfig actual = KernelConfig.read(tree.resolve(".config"));
        List<String> lost = new ArrayList<>();
        for (String f : frags.split(",")) {
            KernelConfig wanted = KernelConfig.read(roots.path(f));
            wanted.options().forEach((k, v) -> {
                if (!actual.get(k).equals(v)) {
                    lost.add(k + "=" + v + " (got " + actual.get(k) + ")");
                }
            });
        }
        return lost;
    }
}
