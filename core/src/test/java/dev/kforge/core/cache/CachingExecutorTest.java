package dev.kforge.core.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.digest.Digest;
import dev.kforge.core.digest.DigestMemo;
import dev.kforge.core.exec.StepExecutor;
import dev.kforge.core.exec.StepResult;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Step;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The caching executor with the step's work faked at the StepExecutor port and a real local store. */
class CachingExecutorTest {

    /** The work of a step the cache must serve. */
    private static final StepExecutor MUST_NOT_RUN = (s, context) -> {
        throw new AssertionError("a cached step must not run");
    };

    @TempDir
    Path dir;

    /** A SYMVERS step's Module.symvers is stored once and restored into the tree, with no make. */
    @Test
    void aTreesModuleSymversIsStoredAndRestoredIntoTheTree() throws Exception {
        Roots roots = new Roots(
                dir.resolve("ws"), dir.resolve("out"), dir.resolve("build"), dir.resolve("trees"), Map.of(), 2);
        Path tree = Files.createDirectories(dir.resolve("trees/t"));
        var attrs = new TreeMap<String, String>(Map.of("tree", "${trees}/t", "fullBuild", "${trees}/t.vmlinux"));
        Step step = new Step(
                "symvers/k/x86_64-gcc",
                Step.Kind.SYMVERS,
                List.of(List.of("make", "vmlinux", "modules")),
                new TreeMap<>(),
                "${workspace}",
                List.of("${trees}/t"),
                List.of("${trees}/t/Module.symvers"),
                List.of(),
                attrs);
        AtomicInteger runs = new AtomicInteger();
        var key = new StepKeys.StepKey(Digest.of("symvers-key"), new TreeMap<>());
        var store = new LocalStepCache(dir.resolve("cache"));
        CachingExecutor first = executor(
                (s, context) -> {
                    runs.incrementAndGet();
                    try {
                        Files.writeString(
                                tree.resolve("Module.symvers"), "0x12345678\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n");
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    return StepResult.of(s.id(), StepStatus.BUILT, Duration.ofSeconds(60), "1 kernel symbols");
                },
                store,
                roots,
                Map.of(step.id(), key),
                Optional.empty(),
                List.of(step));
        assertThat(first.execute(step).status()).isEqualTo(StepStatus.BUILT);

        Files.delete(tree.resolve("Module.symvers")); // the tree was prepared again, say, on another machine
        CachingExecutor second = executor(
                (s, context) -> {
                    runs.incrementAndGet();
                    throw new AssertionError("a cached step must not run");
                },
                store,
                roots,
                Map.of(step.id(), key),
                Optional.empty(),
                List.of(step));
        StepResult r = second.execute(step);
        assertThat(r.status()).isEqualTo(StepStatus.CACHED);
        assertThat(runs).hasValue(1);
        assertThat(tree.resolve("Module.symvers")).content().contains("_printk");
    }

    /** A no-op leaves a cell's out/ directory that already holds the entry's files as it is; anything else is restored. */
    @Test
    void outputsAlreadyInPlaceAreNotRestoredAgainButChangedOnesAre() throws Exception {
        Roots roots = new Roots(
                dir.resolve("ws"), dir.resolve("out"), dir.resolve("build"), dir.resolve("trees"), Map.of(), 2);
        var attrs = new TreeMap<String, String>(
                Map.of("outDir", "${out}/k/x86_64-gcc/d", "buildDir", "${build}/k/x86_64-gcc/d"));
        Step step = new Step(
                "build/d/k/x86_64-gcc",
                Step.Kind.BUILD,
                List.of(List.of("make", "modules")),
                new TreeMap<>(),
                "${workspace}",
                List.of(),
                List.of("${out}/k/x86_64-gcc/d/"),
                List.of(),
                attrs);
        Path out = dir.resolve("out/k/x86_64-gcc/d");
        var key = new StepKeys.StepKey(Digest.of("build-key"), new TreeMap<>());
        var store = new LocalStepCache(dir.resolve("cache"));
        var memo = Optional.of(new DigestMemo(dir.resolve("digests")));
        executor(
                        (s, context) -> {
                            try {
                                Files.createDirectories(out);
                                Files.writeString(out.resolve("d.ko"), "module");
                                Files.writeString(out.resolve("metadata.json"), "{ }");
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                            return StepResult.of(s.id(), StepStatus.BUILT, Duration.ofSeconds(1), "1 module(s)");
                        },
                        store,
                        roots,
                        Map.of(step.id(), key),
                        Optional.of(memo.orElseThrow()),
                        List.of(step))
                .execute(step);
        Object inode = Files.getAttribute(out.resolve("d.ko"), "unix:ino");

        CachingExecutor cached = executor(
                MUST_NOT_RUN, store, roots, Map.of(step.id(), key), Optional.of(memo.orElseThrow()), List.of(step));
        assertThat(cached.execute(step).status()).isEqualTo(StepStatus.CACHED);
        assertThat(Files.getAttribute(out.resolve("d.ko"), "unix:ino"))
                .as("left in place")
                .isEqualTo(inode);

        Files.writeString(out.resolve("d.ko"), "MODULE");
        assertThat(cached.execute(step).status()).isEqualTo(StepStatus.CACHED);
        assertThat(out.resolve("d.ko")).hasContent("module");

        Files.writeString(out.resolve("stale.ko"), "from an earlier build");
        assertThat(cached.execute(step).status()).isEqualTo(StepStatus.CACHED);
        assertThat(out.resolve("stale.ko")).doesNotExist();
        assertThat(out.resolve("d.ko")).hasContent("module");
    }

    /**
     * A signed cell: BUILD writes the unsigned module into out/, SIGN signs it there. On a no-op the
     * signed out/ is left alone by both (BUILD was restoring the unsigned module for SIGN to restore
     * the signed one over it); out/ holding anything else still gets the build restored.
     */
    @Test
    void aSignedCellsOutIsLeftAloneByItsBuildAndItsSign() throws Exception {
        Roots roots = new Roots(
                dir.resolve("ws"), dir.resolve("out"), dir.resolve("build"), dir.resolve("trees"), Map.of(), 2);
        var attrs = new TreeMap<String, String>(
                Map.of("outDir", "${out}/k/x86_64-gcc/d", "buildDir", "${build}/k/x86_64-gcc/d"));
        Step build = new Step(
                "build/d/k/x86_64-gcc",
                Step.Kind.BUILD,
                List.of(List.of("make", "modules")),
                new TreeMap<>(),
                "${workspace}",
                List.of(),
                List.of("${out}/k/x86_64-gcc/d/"),
                List.of(),
                attrs);
        Step sign = new Step(
                "sign/d/k/x86_64-gcc",
                Step.Kind.SIGN,
                List.of(List.of("sign-file")),
                new TreeMap<>(),
                "${workspace}",
                List.of(),
                List.of("${out}/k/x86_64-gcc/d/"),
                List.of(build.id()),
                attrs);
        Path out = dir.resolve("out/k/x86_64-gcc/d");
        Map<String, StepKeys.StepKey> keys = Map.of(
                build.id(),
                new StepKeys.StepKey(Digest.of("build-key"), new TreeMap<>()),
                sign.id(),
                new StepKeys.StepKey(Digest.of("sign-key"), new TreeMap<>()));
        var store = new LocalStepCache(dir.resolve("cache"));
        var memo = Optional.of(new DigestMemo(dir.resolve("digests")));
        CachingExecutor first = executor(
                (s, context) -> {
                    try {
                        Files.createDirectories(out);
                        if (s.kind() == Step.Kind.BUILD) {
                            Files.writeString(out.resolve("d.ko"), "module");
                            Files.writeString(out.resolve("metadata.json"), "{ \"signed\" : false }");
                        } else {
                            Files.writeString(out.resolve("d.ko"), "module~signature");
                            Files.writeString(out.resolve("metadata.json"), "{ \"signed\" : true }");
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    return StepResult.of(
                            s.id(),
                            StepStatus.BUILT,
                            Duration.ofSeconds(1),
                            s.kind() == Step.Kind.BUILD ? "1 module(s)" : "signed");
                },
                store,
                roots,
                keys,
                memo,
                List.of(build, sign));
        assertThat(first.execute(build).status()).isEqualTo(StepStatus.BUILT);
        assertThat(first.execute(sign).status()).isEqualTo(StepStatus.BUILT);
        Object inode = Files.getAttribute(out.resolve("d.ko"), "unix:ino");

        CachingExecutor noop = executor(MUST_NOT_RUN, store, roots, keys, memo, List.of(build, sign));
        assertThat(noop.execute(build).status()).isEqualTo(StepStatus.CACHED);
        assertThat(Files.getAttribute(out.resolve("d.ko"), "unix:ino"))
                .as("the build left the signed module in place")
                .isEqualTo(inode);
        assertThat(out.resolve("d.ko")).hasContent("module~signature");
        assertThat(noop.execute(sign).status()).isEqualTo(StepStatus.CACHED);
        assertThat(Files.getAttribute(out.resolve("d.ko"), "unix:ino")).isEqualTo(inode);

        // A module signed by something else is no reason to skip: the build is restored, then signed again from the
        // cache.
        Files.writeString(out.resolve("d.ko"), "module~another signature");
        assertThat(noop.execute(build).status()).isEqualTo(StepStatus.CACHED);
        assertThat(out.resolve("d.ko")).hasContent("module");
        assertThat(noop.execute(sign).status()).isEqualTo(StepStatus.CACHED);
        assertThat(out.resolve("d.ko")).hasContent("module~signature");
        assertThat(out.resolve("metadata.json")).content().contains("true");
    }

    private static Step step(String id, Step.Kind kind, List<String> outputs, List<String> deps) {
        return new Step(
                id,
                kind,
                List.of(List.of("true")),
                new TreeMap<>(),
                "${workspace}",
                List.of(),
                outputs,
                deps,
                new TreeMap<>());
    }

    private static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The entry holds exactly the declared outputs: a file output, a directory's files, nothing of the working state. */
    @Test
    void exactlyTheDeclaredOutputsAreStoredAndRestored() throws Exception {
        Roots roots = new Roots(
                dir.resolve("ws"), dir.resolve("out"), dir.resolve("build"), dir.resolve("trees"), Map.of(), 2);
        Step step = step(
                "build/d/k/x86_64-gcc",
                Step.Kind.BUILD,
                List.of("${out}/k/x86_64-gcc/d/", "${build}/k/x86_64-gcc/d/Module.symvers"),
                List.of());
        Path out = dir.resolve("out/k/x86_64-gcc/d");
        Path build = dir.resolve("build/k/x86_64-gcc/d");
        var key = new StepKeys.StepKey(Digest.of("k"), new TreeMap<>());
        var store = new LocalStepCache(dir.resolve("cache"));
        executor(
                        (s, context) -> {
                            write(out.resolve("d.ko"), "module");
                            write(out.resolve("sub/notes.txt"), "notes");
                            write(build.resolve("Module.symvers"), "0x1\tkf_export\t");
                            write(build.resolve("d.o"), "object: working state");
                            return StepResult.of(s.id(), StepStatus.BUILT, Duration.ofSeconds(1), "built");
                        },
                        store,
                        roots,
                        Map.of(step.id(), key),
                        Optional.empty(),
                        List.of(step))
                .execute(step);
        assertThat(store.lookup(key.key()).orElseThrow().outputs().keySet())
                .containsExactly(
                        "${build}/k/x86_64-gcc/d/Module.symvers",
                        "${out}/k/x86_64-gcc/d/d.ko",
                        "${out}/k/x86_64-gcc/d/sub/notes.txt");

        FileTrees.deleteRecursively(dir.resolve("out"));
        FileTrees.deleteRecursively(dir.resolve("build"));
        StepResult r = executor(MUST_NOT_RUN, store, roots, Map.of(step.id(), key), Optional.empty(), List.of(step))
                .execute(step);
        assertThat(r.status()).isEqualTo(StepStatus.CACHED);
        assertThat(out.resolve("d.ko")).hasContent("module");
        assertThat(out.resolve("sub/notes.txt")).hasContent("notes");
        assertThat(build.resolve("Module.symvers")).exists();
        assertThat(build.resolve("d.o")).doesNotExist();
    }

    /**
     * A tool crate's directory and a test's log inside a cell's out/ belong to their own steps: the
     * cell's build is still in place on a no-op, and a restore of the build keeps them.
     */
    @Test
    void anotherStepsOutputsInsideADirectoryAreLeftToThatStep() throws Exception {
        Roots roots = new Roots(
                dir.resolve("ws"), dir.resolve("out"), dir.resolve("build"), dir.resolve("trees"), Map.of(), 2);
        Step build = step("build/d/k/x86_64-gcc", Step.Kind.BUILD, List.of("${out}/k/x86_64-gcc/d/"), List.of());
        Step tool = step(
                "cargo-tool/d/c/k/x86_64-gcc",
                Step.Kind.CARGO_TOOL,
                List.of("${out}/k/x86_64-gcc/d/tools/c/"),
                List.of(build.id()));
        Step test = step(
                "test/d/k/x86_64-gcc", Step.Kind.TEST, List.of("${out}/k/x86_64-gcc/d/test.log"), List.of(build.id()));
        List<Step> steps = List.of(build, tool, test);
        Path out = dir.resolve("out/k/x86_64-gcc/d");
        Map<String, StepKeys.StepKey> keys = Map.of(
                build.id(), new StepKeys.StepKey(Digest.of("b"), new TreeMap<>()),
                tool.id(), new StepKeys.StepKey(Digest.of("t"), new TreeMap<>()),
                test.id(), new StepKeys.StepKey(Digest.of("q"), new TreeMap<>()));
        var store = new LocalStepCache(dir.resolve("cache"));
        var memo = new DigestMemo(dir.resolve("digests"));
        CachingExecutor first = executor(
                (s, context) -> {
                    switch (s.kind()) {
                        case BUILD -> write(out.resolve("d.ko"), "module");
                        case CARGO_TOOL -> write(out.resolve("tools/c/c"), "tool");
                        default -> write(out.resolve("test.log"), "KFORGE-PASS");
                    }
                    return StepResult.of(s.id(), StepStatus.BUILT, Duration.ofSeconds(1), "done");
                },
                store,
                roots,
                keys,
                Optional.of(memo),
                steps);
        for (Step s : steps) {
            assertThat(first.execute(s).status()).isEqualTo(StepStatus.BUILT);
        }
        assertThat(store.lookup(Digest.of("b")).orElseThrow().outputs().keySet())
                .containsExactly("${out}/k/x86_64-gcc/d/d.ko");
        Object inode = Files.getAttribute(out.resolve("d.ko"), "unix:ino");

        CachingExecutor noop = executor(MUST_NOT_RUN, store, roots, keys, Optional.of(memo), steps);
        assertThat(noop.execute(build).status()).isEqualTo(StepStatus.CACHED);
        assertThat(Files.getAttribute(out.resolve("d.ko"), "unix:ino"))
                .as("left in place beside the tool and the log")
                .isEqualTo(inode);

        Files.writeString(out.resolve("d.ko"), "changed");
        assertThat(noop.execute(build).status()).isEqualTo(StepStatus.CACHED);
        assertThat(out.resolve("d.ko")).hasContent("module");
        assertThat(out.resolve("tools/c/c")).as("carried over").hasContent("tool");
        assertThat(out.resolve("test.log")).as("carried over").hasContent("KFORGE-PASS");
        assertThat(noop.execute(tool).status()).isEqualTo(StepStatus.CACHED);
        assertThat(noop.execute(test).status()).isEqualTo(StepStatus.CACHED);
    }

    /**
     * A step that runs whatever its dependencies' outcomes (a DKMS package) is keyed by which of them succeeded
     * too: written while a cell failed, it is not restored once the cell passes; with the same outcomes it is.
     */
    @Test
    void anUngatedStepIsKeyedByItsDependenciesOutcomes() throws Exception {
        Roots roots = new Roots(
                dir.resolve("ws"), dir.resolve("out"), dir.resolve("build"), dir.resolve("trees"), Map.of(), 2);
        Step step = new Step(
                "package-dkms/d",
                Step.Kind.PACKAGE,
                List.of(List.of("tar", "-tzf", "${package}")),
                new TreeMap<>(),
                "${workspace}",
                List.of(),
                List.of("${out}/packages/dkms/d/"),
                List.of("build/d/a", "build/d/b"),
                new TreeMap<>(Map.of(Step.GATE, Step.AFTER_ANY)));
        Path out = dir.resolve("out/packages/dkms/d");
        var key = new StepKeys.StepKey(Digest.of("dkms-key"), new TreeMap<>());
        var store = new LocalStepCache(dir.resolve("cache"));
        AtomicInteger runs = new AtomicInteger();
        StepExecutor writing = (s, context) -> {
            runs.incrementAndGet();
            try {
                Files.createDirectories(out);
                Files.writeString(out.resolve("d-dkms.tar.gz"), context.after().toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return StepResult.of(s.id(), StepStatus.BUILT, Duration.ofMillis(5), "wrote");
        };
        var oneFailed = dev.kforge.core.exec.StepContext.after(
                new TreeMap<>(Map.of("build/d/a", StepStatus.BUILT, "build/d/b", StepStatus.FAILED)));
        var bothPassed = dev.kforge.core.exec.StepContext.after(
                new TreeMap<>(Map.of("build/d/a", StepStatus.BUILT, "build/d/b", StepStatus.BUILT)));
        // Restored and built are alike: the same package.
        var oneFailedRestored = dev.kforge.core.exec.StepContext.after(
                new TreeMap<>(Map.of("build/d/a", StepStatus.CACHED, "build/d/b", StepStatus.FAILED)));
        CachingExecutor caching =
                executor(writing, store, roots, Map.of(step.id(), key), Optional.empty(), List.of(step));
        assertThat(caching.execute(step, oneFailed).status()).isEqualTo(StepStatus.BUILT);
        assertThat(caching.execute(step, bothPassed).status()).isEqualTo(StepStatus.BUILT);
        assertThat(out.resolve("d-dkms.tar.gz")).content().isEqualTo("{build/d/a=BUILT, build/d/b=BUILT}");
        assertThat(caching.execute(step, oneFailedRestored).status()).isEqualTo(StepStatus.CACHED);
        assertThat(out.resolve("d-dkms.tar.gz")).content().isEqualTo("{build/d/a=BUILT, build/d/b=FAILED}");
        assertThat(runs).hasValue(2);
    }

    private static CachingExecutor executor(
            StepExecutor delegate,
            StepCache store,
            Roots roots,
            Map<String, StepKeys.StepKey> keys,
            Optional<DigestMemo> memo,
            List<Step> steps) {
        CachingExecutor.Builder b = CachingExecutor.builder()
                .delegate(delegate)
                .cache(store)
                .roots(roots)
                .keys(keys)
                .steps(steps);
        memo.ifPresent(b::memo);
        return b.build();
    }
}
