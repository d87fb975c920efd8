package dev.kforge.core.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.digest.DigestMemo;
import dev.kforge.core.digest.InputLog;
import dev.kforge.core.manifest.ManifestLoader;
import dev.kforge.core.model.Workspace;
import dev.kforge.core.plan.BuildPlan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store of remembered plans: found only while its inputs are unchanged, never stored unsettled, bounded. */
class PlanCacheTest {

    @TempDir
    Path dir;

    private PlanCache cache;
    private Planned planned;
    private Path input;

    /** Planning "began" three seconds from now, so every file written by the test counts as settled. */
    private static long settledStart() {
        return DigestMemo.nowNanos() + 3_000_000_000L;
    }

    @BeforeEach
    void setUp() throws Exception {
        Path ws = dir.resolve("ws");
        new TestWorkspace(ws).cDriver("drivers/a").manifest("""
                [[kernel]]
                name = "k"
                headers = "/usr/src/linux-headers-x"

                [[driver]]
                name = "a"
                path = "drivers/a"

                [[matrix]]
                arches = ["x86_64"]
                """);
        Workspace w = new ManifestLoader(Catalog.builtIn()).load(ws.resolve("kforge.toml"), "kforge.toml");
        planned = new Planned(
                w,
                ws,
                new BuildPlan(
                        1,
                        List.of(),
                        List.of(),
                        new TreeMap<>(),
                        new TreeMap<>(Map.of("make", "GNU Make 4.3")),
                        Map.of()),
                Map.of("k", Path.of("/usr/src/linux-headers-x")));
        cache = new PlanCache(dir.resolve("plans"), new InputLog());
        input = dir.resolve("input.config");
        Files.writeString(input, "CONFIG_A=y\n");
    }

    private SortedMap<String, String> seen() {
        return new TreeMap<>(Map.of(input.toString(), InputLog.stamp(input)));
    }

    @Test
    void aStoredPlanIsFoundWhileItsInputsAreUnchanged() throws Exception {
        cache.store("k1", planned, seen(), settledStart());
        Planned back = cache.load("k1", planned.root()).orElseThrow();
        assertThat(back.workspace()).isEqualTo(planned.workspace());
        assertThat(back.plan().planHash()).isEqualTo(planned.plan().planHash());
        assertThat(back.kernelDirs()).isEqualTo(planned.kernelDirs());
        assertThat(cache.load("another key", planned.root())).isEmpty();

        Files.writeString(input, "CONFIG_A=n\n");
        assertThat(cache.load("k1", planned.root())).as("an input changed").isEmpty();
    }

    @Test
    void theSigningKeysPathStaysInTheManifestAndIsReadBackFromIt() throws Exception {
        Path ws = dir.resolve("signed");
        new TestWorkspace(ws)
                .cDriver("drivers/a")
                .write("keys/module.crt", "not read when loading")
                .manifest("""
                        [[kernel]]
                        name = "k"
                        headers = "/usr/src/linux-headers-x"
                        [[driver]]
                        name = "a"
                        path = "drivers/a"
                        [[matrix]]
                        arches = ["x86_64"]
                        [signing]
                        key = "keys/very-secret-place.key"  # the key itself is never read here
                        cert = "keys/module.crt"
                        """);
        Workspace w = new ManifestLoader(Catalog.builtIn()).load(ws.resolve("kforge.toml"), "kforge.toml");
        Planned signed = new Planned(w, ws, planned.plan(), planned.kernelDirs());
        cache.store("s", signed, seen(), settledStart());
        try (var entries = Files.list(dir.resolve("plans"))) {
            for (Path e : entries.toList()) {
                assertThat(Files.readString(e)).doesNotContain("very-secret-place");
            }
        }
        assertThat(cache.load("s", ws).orElseThrow().workspace()).isEqualTo(w);
        assertThat(PlanCache.stringValueAt(ws.resolve("kforge.toml"), 10)).contains("keys/very-secret-place.key");
        assertThat(PlanCache.stringValueAt(ws.resolve("kforge.toml"), 11)).isEmpty(); // cert = ..., not key
    }

    @Test
    void aPlanMadeFromListsDueForRefreshIsNotReusedAfterThen() throws Exception {
        InputLog log = new InputLog();
        PlanCache expiring = new PlanCache(dir.resolve("expiring"), log);
        log.start();
        log.validUntil(Instant.now().plusSeconds(3600));
        log.stop();
        expiring.store("fresh", planned, seen(), settledStart());
        assertThat(expiring.load("fresh", planned.root())).isPresent();

        log.start();
        log.validUntil(Instant.now().minusSeconds(1));
        log.stop();
        expiring.store("stale", planned, seen(), settledStart());
        assertThat(expiring.load("stale", planned.root()))
                .as("its lists are due to be fetched again")
                .isEmpty();
    }

    @Test
    void aPlanWhoseInputIsUnsettledOrChangedIsNotStored() throws Exception {
        cache.store("k1", planned, seen(), DigestMemo.nowNanos()); // the input was written just now
        assertThat(dir.resolve("plans/k1.json")).doesNotExist();
        SortedMap<String, String> before = seen();
        Files.writeString(input, "CONFIG_A=m, written while planning\n");
        cache.store("k2", planned, before, settledStart());
        assertThat(dir.resolve("plans/k2.json")).doesNotExist();
    }

    @Test
    void theStoreKeepsTheMostRecentlyStoredOrUsedEntries() throws Exception {
        Instant t = Instant.now().minusSeconds(10_000);
        for (int i = 0; i < PlanCache.KEEP; i++) {
            cache.store("e" + i, planned, seen(), settledStart());
            Files.setLastModifiedTime(dir.resolve("plans/e" + i + ".json"), FileTime.from(t.plusSeconds(i)));
        }
        assertThat(cache.load("e0", planned.root())).isPresent(); // the oldest, used now
        cache.store("new", planned, seen(), settledStart());
        try (var s = Files.list(dir.resolve("plans"))) {
            assertThat(s.count()).isEqualTo(PlanCache.KEEP);
        }
        assertThat(dir.resolve("plans/e0.json")).exists();
        assertThat(dir.resolve("plans/e1.json"))
                .as("the least recently stored or used")
                .doesNotExist();
        assertThat(dir.resolve("plans/new.json")).exists();

        PlanCache.clear(dir.resolve("plans"));
        try (var s = Files.list(dir.resolve("plans"))) {
            assertThat(s.count()).isZero();
        }
    }
}
