package dev.kforge.core.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.digest.Digest;
import dev.kforge.core.exec.StepResult;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Step;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
        Roots roots = new Roots(dir.resolve("ws"), dir.resolve("out"), dir.resolve("build"), dir.resolve("trees"), Map.of(), 2);
        Path tree = Files.createDirectories(dir.resolve("trees/t"));
        var attrs = new TreeMap<String, String>(Map.of("tree", "${trees}/t", "fullBuild", "${trees}/t.vmlinux"));
        Step step = new Step("symvers/k/x86_64-gcc", Step.Kind.SYMVERS, List.of(List.of("make", "vmlinux", "modules")),
                new TreeMap<>(), "${workspace}", List.of("${trees}/t"), List.of("${trees}/t/Module.symvers"), List.of(), attrs);
        AtomicInteger runs = new AtomicInteger();
        var key = new StepKeys.StepKey(Digest.of("symvers-key"), new TreeMap<>());
        var store = new LocalStepCache(dir.resolve("cache"));
        CachingExecutor first = new CachingExecutor(s -> {
            runs.incrementAndGet();
            try {
                Files.writeString(tree.resolve("Module.symvers"), "0x12345678\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return StepResult.of(s.id(), StepStatus.BUILT, Duration.ofSeconds(60), "1 kernel symbols");
        }, store, roots, Map.of(step.id(), key), true, Map.of());
        assertThat(first.execute(step).status()).isEqualTo(StepStatus.BUILT);

        Files.delete(tree.resolve("Module.symvers")); // the tree was prepared again, say, on another machine
        CachingExecutor second = new CachingExecutor(s -> {
            runs.incrementAndGet();
            throw new AssertionError("a cached step must not run");
        }, store, roots, Map.of(step.id(), key), true, Map.of());
        StepResult r = second.execute(step);
        assertThat(r.status()).isEqualTo(StepStatus.CACHED);
        assertThat(runs).hasValue(1);
        assertThat(tree.resolve("Module.symvers")).content().contains("_printk");
    }

    /** A no-op leaves a cell's out/ directory that already holds the entry's files as it is; anything else is restored. */
    @Test
    void outputsAlreadyInPlaceAreNotRestoredAgainButChangedOnesAre() throws Exception {
        Roots roots = new Roots(dir.resolve("ws"), dir.resolve("out"), dir.resolve("build"), dir.resolve("trees"), Map.of(), 2);
        var attrs = new TreeMap<String, String>(Map.of("outDir", "${out}/k/x86_64-gcc/d", "buildDir", "${build}/k/x86_64-gcc/d"));
        Step step = new Step("build/d/k/x86_64-gcc", Step.Kind.BUILD, List.of(List.of("make", "modules")), new TreeMap<>(),
                "${workspace}", List.of(), List.of("${out}/k/x86_64-gcc/d"), List.of(), attrs);
        Path out = dir.resolve("out/k/x86_64-gcc/d");
        var key = new StepKeys.StepKey(Digest.of("build-key"), new TreeMap<>());
        var store = new LocalStepCache(dir.resolve("cache"));
        var memo = java.util.Optional.of(new dev.kforge.core.digest.DigestMemo(dir.resolve("digests")));
        new CachingExecutor(s -> {
            try {
                Files.createDirectories(out);
                Files.writeString(out.resolve("d.ko"), "module");
                Files.writeString(out.resolve("metadata.json"), "{ }");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return StepResult.of(s.id(), StepStatus.BUILT, Duration.ofSeconds(1), "1 module(s)");
        }, store, roots, Map.of(step.id(), key), true, Map.of(), memo).execute(step);
        Object inode = Files.getAttribute(out.resolve("d.ko"), "unix:ino");

        CachingExecutor cached = new CachingExecutor(s -> {
            throw new AssertionError("a cached step must not run");
        }, store, roots, Map.of(step.id(), key), true, Map.of(), memo);
        assertThat(cached.execute(step).status()).isEqualTo(StepStatus.CACHED);
        assertThat(Files.getAttribute(out.resolve("d.ko"), "unix:ino")).as("left in place").isEqualTo(inode);

        Files.writeString(out.resolve("d.ko"), "MODULE");
        assertThat(cached.execute(step).status()).isEqualTo(StepStatus.CACHED);
        assertThat(out.resolve("d.ko")).hasContent("module");

        Files.writeString(out.resolve("stale.ko"), "from an earlier build");
        assertThat(cached.execute(step).status()).isEqualTo(StepStatus.CACHED);
        assertThat(out.resolve("stale.ko")).doesNotExist();
        assertThat(out.resolve("d.ko")).hasContent("module");
    }
}
