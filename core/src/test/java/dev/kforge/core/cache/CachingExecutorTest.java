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
}
