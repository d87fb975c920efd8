package dev.kforge.core.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.digest.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract every {@link StepCache} implementation passes; a subclass supplies one. */
abstract class StepCacheContract {

    @TempDir
    Path dir;

    abstract StepCache cache();

    /** Damages the stored blob of {@code d} in place, as a disk or a hostile hand would. */
    abstract void corruptBlob(Digest d) throws Exception;

    Path file(String name, String content) throws Exception {
        Path p = dir.resolve("src").resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        return p;
    }

    @Test
    void missThenHitRestoresIdenticalBytes() throws Exception {
        Digest key = Digest.of("step-1");
        assertThat(cache().lookup(key)).isEmpty();
        var outputs = new TreeMap<String, Path>();
        outputs.put("out/a.ko", file("a.ko", "module bytes"));
        outputs.put("build/Module.symvers", file("Module.symvers", "0x1\tsym\tdrv\tEXPORT_SYMBOL\t\n"));
        cache().store(key, outputs, "{\"status\":\"built\"}");
        var entry = cache().lookup(key).orElseThrow();
        assertThat(entry.result()).isEqualTo("{\"status\":\"built\"}");
        assertThat(entry.outputs()).containsOnlyKeys("build/Module.symvers", "out/a.ko");
        Path target = dir.resolve("restored/a.ko");
        assertThat(cache().fetch(entry.outputs().get("out/a.ko"), target)).isTrue();
        assertThat(target).hasContent("module bytes");
        assertThat(cache().lookup(Digest.of("other"))).isEmpty();
    }

    @Test
    void aCorruptBlobIsAMissNeverAWrongArtifact() throws Exception {
        Digest key = Digest.of("step-2");
        var outputs = new TreeMap<String, Path>();
        outputs.put("out/b.ko", file("b.ko", "good bytes"));
        cache().store(key, outputs, "{}");
        Digest blob = cache().lookup(key).orElseThrow().outputs().get("out/b.ko");
        corruptBlob(blob);
        Path target = dir.resolve("restored/b.ko");
        assertThat(cache().fetch(blob, target)).isFalse();
        assertThat(target).doesNotExist();
        // Storing again repairs it.
        cache().store(key, outputs, "{}");
        assertThat(cache().fetch(blob, target)).isTrue();
        assertThat(target).hasContent("good bytes");
    }

    @Test
    void storingTwiceIsHarmless() throws Exception {
        Digest key = Digest.of("step-3");
        var outputs = new TreeMap<String, Path>();
        outputs.put("out/c.ko", file("c.ko", "c"));
        cache().store(key, outputs, "{\"n\":1}");
        cache().store(key, outputs, "{\"n\":2}");
        assertThat(cache().lookup(key).orElseThrow().result()).isEqualTo("{\"n\":2}");
    }
}
