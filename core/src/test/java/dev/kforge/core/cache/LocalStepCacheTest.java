package dev.kforge.core.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.digest.Digest;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LocalStepCacheTest extends StepCacheContract {

    LocalStepCache cache;

    @Override
    StepCache cache() {
        if (cache == null) {
            cache = new LocalStepCache(dir.resolve("cache"));
        }
        return cache;
    }

    @Override
    void corruptBlob(Digest d) throws Exception {
        Files.writeString(((LocalStepCache) cache()).blob(d), "tampered");
    }

    @Test
    void aTornEntryIsAMissAndIsRemoved() throws Exception {
        Digest key = Digest.of("torn");
        Path entry = dir.resolve("cache/ac/" + key.hex());
        Files.createDirectories(entry.getParent());
        Files.writeString(entry, "{\"key\": \"" + key.hex() + "\", \"outp");
        assertThat(cache().lookup(key)).isEmpty();
        assertThat(entry).doesNotExist();
    }

    @Test
    void statsPruneAndClear() throws Exception {
        for (int i = 0; i < 5; i++) {
            var outputs = new TreeMap<String, Path>();
            outputs.put("out/m.ko", file("m" + i + ".ko", "x".repeat(10_000) + i));
            cache().store(Digest.of("k" + i), outputs, "{}");
            Files.setLastModifiedTime(
                    dir.resolve("cache/ac/" + Digest.of("k" + i).hex()), FileTime.fromMillis(1_000_000L * (i + 1)));
        }
        var s = cache.stats();
        assertThat(s.entries()).isEqualTo(5);
        assertThat(s.blobs()).isEqualTo(5);
        assertThat(s.bytes()).isGreaterThan(50_000);
        assertThat(cache.prune(25_000)).isEqualTo(3);
        assertThat(cache.lookup(Digest.of("k0"))).isEmpty(); // the least recently used went first
        assertThat(cache.lookup(Digest.of("k4"))).isPresent();
        assertThat(cache.stats().blobs()).isEqualTo(2);
        cache.clear();
        assertThat(cache.stats()).isEqualTo(new LocalStepCache.Stats(0, 0, 0));
    }

    /** A blob two entries share stays while one of them does; pruning reads entries without touching them. */
    @Test
    void pruneKeepsSharedBlobsAndTheRecencyOfWhatItKeeps() throws Exception {
        Path shared = file("shared.ko", "s".repeat(10_000));
        for (int i = 0; i < 4; i++) {
            var outputs = new TreeMap<String, Path>();
            outputs.put("out/shared.ko", shared);
            outputs.put("out/own.ko", file("own" + i + ".ko", "o".repeat(10_000) + i));
            cache().store(Digest.of("e" + i), outputs, "{}");
            Files.setLastModifiedTime(
                    dir.resolve("cache/ac/" + Digest.of("e" + i).hex()), FileTime.fromMillis(1_000_000L * (i + 1)));
        }
        assertThat(cache.stats().blobs()).isEqualTo(5);
        assertThat(cache.prune(35_000)).isEqualTo(2); // 5 blobs of 10 kB: e0 and e1 go with their own blobs
        assertThat(Files.getLastModifiedTime(
                                dir.resolve("cache/ac/" + Digest.of("e2").hex()))
                        .toMillis())
                .isEqualTo(3_000_000L);
        assertThat(cache.stats().blobs()).isEqualTo(3);
        assertThat(cache.lookup(Digest.of("e3")))
                .hasValueSatisfying(e -> assertThat(e.outputs()).containsKey("out/shared.ko"));
        assertThat(cache.prune(0)).isEqualTo(2);
        assertThat(cache.stats()).isEqualTo(new LocalStepCache.Stats(0, 0, 0));
    }

    /** Entry point of the second process in {@link #twoProcessesWritingTheSameEntriesAtOnce}. */
    public static void main(String[] args) throws Exception {
        writeMany(new LocalStepCache(Path.of(args[0])), Path.of(args[1]), Integer.parseInt(args[2]));
    }

    static void writeMany(LocalStepCache cache, Path scratch, int rounds) throws Exception {
        Files.createDirectories(scratch);
        for (int i = 0; i < rounds; i++) {
            Path f = scratch.resolve("f" + i);
            Files.writeString(f, ("blob " + i + "\n").repeat(2000));
            var outputs = new TreeMap<String, Path>();
            outputs.put("out/f.ko", f);
            cache.store(Digest.of("shared-" + i), outputs, "{\"i\":" + i + "}");
        }
    }

    @Test
    void twoProcessesWritingTheSameEntriesAtOnce() throws Exception {
        Path root = dir.resolve("shared");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process other = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        LocalStepCacheTest.class.getName(),
                        root.toString(),
                        dir.resolve("p2").toString(),
                        "200")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("p2.log").toFile())
                .start();
        LocalStepCache mine = new LocalStepCache(root);
        writeMany(mine, dir.resolve("p1"), 200);
        assertThat(other.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(other.exitValue())
                .as(Files.readString(dir.resolve("p2.log")))
                .isZero();
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            var entry = mine.lookup(Digest.of("shared-" + i)).orElseThrow();
            Path target = dir.resolve("check/f" + i);
            if (!mine.fetch(entry.outputs().get("out/f.ko"), target)
                    || !Files.readString(target).equals(("blob " + i + "\n").repeat(2000))) {
                bad.add("entry " + i);
            }
        }
        assertThat(bad).isEmpty();
        try (var s = Files.walk(root)) {
            assertThat(s.map(Path::toString).filter(p -> p.endsWith(".tmp")).toList())
                    .isEmpty();
        }
        assertThat(new File(root.toFile(), "ac").list()).hasSize(200);
    }
}
