package dev.kforge.core.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.digest.Digest;
import dev.kforge.core.digest.DigestMemo;
import dev.kforge.core.exec.StepResult;
import dev.kforge.core.exec.StepStatus;
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
        CachingExecutor first = new CachingExecutor(
                s -> {
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
                true,
                Map.of());
        assertThat(first.execute(step).status()).isEqualTo(StepStatus.BUILT);

        Files.delete(tree.resolve("Module.symvers")); // the tree was prepared again, say, on another machine
        CachingExecutor second = new CachingExecutor(
                s -> {
                    runs.incrementAndGet();
                    throw new AssertionError("a cached step must not run");
                },
                store,
                roots,
                Map.of(step.id(), key),
                true,
                Map.of());
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
                List.of("${out}/k/x86_64-gcc/d"),
                List.of(),
                attrs);
        Path out = dir.resolve("out/k/x86_64-gcc/d");
        var key = new StepKeys.StepKey(Digest.of("build-key"), new TreeMap<>());
        var store = new LocalStepCache(dir.resolve("cache"));
        var memo = Optional.of(new DigestMemo(dir.resolve("digests")));
        new CachingExecutor(
                        s -> {
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
                        true,
                        Map.of(),
                        memo)
                .execute(step);
        Object inode = Files.getAttribute(out.resolve("d.ko"), "unix:ino");

        CachingExecutor cached = new CachingExecutor(
                s -> {
                    throw new AssertionError("a cached step must not run");
                },
                store,
                roots,
                Map.of(step.id(), key),
                true,
                Map.of(),
                memo);
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
                List.of("${out}/k/x86_64-gcc/d"),
                List.of(),
                attrs);
        Step sign = new Step(
                "sign/d/k/x86_64-gcc",
                Step.Kind.SIGN,
                List.of(List.of("sign-file")),
                new TreeMap<>(),
                "${workspace}",
                List.of(),
                List.of("${out}/k/x86_64-gcc/d"),
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
        CachingExecutor first = new CachingExecutor(
                s -> {
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
                true,
                Map.of(),
                memo,
                Map.of(build.id(), sign.id()));
        assertThat(first.execute(build).status()).isEqualTo(StepStatus.BUILT);
        assertThat(first.execute(sign).status()).isEqualTo(StepStatus.BUILT);
        Object inode = Files.getAttribute(out.resolve("d.ko"), "unix:ino");

        CachingExecutor noop = new CachingExecutor(
                s -> {
                    throw new AssertionError("a cached step must not run");
                },
                store,
                roots,
                keys,
                true,
                Map.of(),
                memo,
                Map.of(build.id(), sign.id()));
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
}
