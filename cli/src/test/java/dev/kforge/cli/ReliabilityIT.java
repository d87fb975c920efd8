package dev.kforge.cli;

import static dev.kforge.cli.ItSupport.cells;
import static dev.kforge.cli.ItSupport.kforge;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import dev.kforge.core.cache.LocalStepCache;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.json.CanonicalJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The promises of docs/reliability.md, each exercised for real (real Kbuild, real signals, real disks). */
class ReliabilityIT {

    @TempDir
    Path dir;

    static final String HEADERS = """
            [[kernel]]
            name = "debian"
            headers = "/usr/src/linux-headers-*-amd64"
            """;

    /** A workspace on Debian's headers; {@code drivers} are name -> extra Kbuild lines. */
    Path workspace(String name, Map<String, String> drivers, String extraDriverKeys) {
        Path ws = dir.resolve(name);
        TestWorkspace t = new TestWorkspace(ws);
        StringBuilder m = new StringBuilder(HEADERS);
        drivers.forEach((d, kbuild) -> {
            t.write("drivers/" + d + "/Kbuild", "obj-m += " + d + ".o\n" + kbuild + "\n");
            t.write(
                    "drivers/" + d + "/" + d + ".c",
                    "#include <linux/module.h>\nMODULE_LICENSE(\"GPL\");\n/* " + ws + " */\n");
            m.append("[[driver]]\nname = \"")
                    .append(d)
                    .append("\"\npath = \"drivers/")
                    .append(d)
                    .append("\"\n");
            if (d.equals("slow")) {
                m.append(extraDriverKeys);
            }
        });
        m.append("[[matrix]]\narches = [\"x86_64\"]\n");
        t.manifest(m.toString());
        return ws;
    }

    Process launch(Path ws, String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(ItSupport.signalledLauncher(args))
                .directory(ws.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ws.resolve("kforge.log").toFile());
        pb.environment().put("CI", "true");
        pb.environment().put("KFORGE_CACHE_DIR", dir.resolve("cache").toString());
        return pb.start();
    }

    static List<ProcessHandle> waitForSleep(Process p, String sleep) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<ProcessHandle> seen = List.of();
        while (System.nanoTime() < deadline) {
            seen = p.descendants().toList();
            if (seen.stream().anyMatch(h -> h.info().commandLine().orElse("").contains(sleep))) {
                return seen;
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        throw new AssertionError("no '" + sleep + "' started under kforge");
    }

    /**
     * Every process seen is gone. A killed process whose parent died too waits as a zombie until
     * init reaps it; it runs nothing any more, so a zombie counts as gone.
     */
    static void assertGone(List<ProcessHandle> seen) throws Exception {
        for (ProcessHandle h : seen) {
            assertThat(running(h.pid()))
                    .as(
                            "process %d (%s) is gone",
                            h.pid(), h.info().commandLine().orElse("?"))
                    .isFalse();
        }
    }

    static boolean running(long pid) throws IOException {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        if (!Files.exists(stat)) {
            return false;
        }
        String s;
        try {
            s = Files.readString(stat);
        } catch (NoSuchFileException e) {
            return false;
        }
        char state = s.charAt(s.lastIndexOf(')') + 2);
        return state != 'Z' && state != 'X';
    }

    /** Runs the real launcher to completion: exit code and everything it printed (slf4j warnings included). */
    static ItSupport.Run launched(Path ws, Map<String, String> env, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(ItSupport.launcher().toString()));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).directory(ws.toFile()).redirectErrorStream(true);
        pb.environment().put("CI", "true");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
        return new ItSupport.Run(p.exitValue(), out, out, List.of());
    }

    static void assertNoTemporaries(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            assertThat(s.map(Path::toString)
                            .filter(p -> p.contains(".tmp-") || p.endsWith(".tmp"))
                            .toList())
                    .isEmpty();
        }
    }

    @Test
    void sigtermKillsEveryChildWithin5sExits143AndTheNextRunResumes() throws Exception {
        Path ws = workspace("term", new TreeMap<>(Map.of("fast", "", "slow", "$(shell sleep 311)")), "");
        Process p = launch(ws, "build", "-j", "2");
        waitForSleep(p, "sleep 311");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.isRegularFile(ws.resolve("out/debian/x86_64-gcc/fast/fast.ko")) && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(100);
        }
        List<ProcessHandle> seen = waitForSleep(p, "sleep 311");
        long t0 = System.nanoTime();
        new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(5, TimeUnit.SECONDS)).as("exits within 5 s").isTrue();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5000);
        assertThat(p.exitValue()).isEqualTo(143);
        assertGone(seen);
        assertThat(ws.resolve("out/debian/x86_64-gcc/fast/fast.ko")).isRegularFile();
        assertThat(ws.resolve("out/debian/x86_64-gcc/slow")).doesNotExist();
        assertNoTemporaries(ws.resolve("out"));
        assertNoTemporaries(dir.resolve("cache/steps"));

        // Fix the slow driver; the next run resumes: what finished comes from the cache.
        Files.writeString(ws.resolve("drivers/slow/Kbuild"), "obj-m += slow.o\n");
        ItSupport.Run next = ItSupport.kforgeWithEnv(
                ws, Map.of("KFORGE_CACHE_DIR", dir.resolve("cache").toString()), "build");
        assertThat(next.code()).as(next.err()).isZero();
        assertThat(cells(ws.resolve("out")).get("fast/debian/x86_64-gcc")).containsEntry("status", "cached");
        assertThat(cells(ws.resolve("out")).get("slow/debian/x86_64-gcc")).containsEntry("status", "built");
    }

    @Test
    void aSecondCtrlCLeavesNoOrphansEither() throws Exception {
        Path ws = workspace("int2", Map.of("slow", "$(shell sleep 312)"), "");
        Process p = launch(ws, "build");
        List<ProcessHandle> seen = waitForSleep(p, "sleep 312");
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        TimeUnit.MILLISECONDS.sleep(100);
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(130);
        assertGone(seen);
    }

    @Test
    void aHungStepTimesOutWithItsProcessTreeAndTheOthersGoOn() throws Exception {
        Path ws =
                workspace("timeout", new TreeMap<>(Map.of("fast", "", "slow", "$(shell sleep 313)")), "timeout = 3\n");
        ItSupport.Run run = ItSupport.kforgeWithEnv(
                ws, Map.of("KFORGE_CACHE_DIR", dir.resolve("cache").toString()), "build", "--no-cache");
        assertThat(run.code()).isEqualTo(1);
        var c = cells(ws.resolve("out"));
        assertThat(c.get("slow/debian/x86_64-gcc")).containsEntry("status", "timed-out");
        assertThat((String) c.get("slow/debian/x86_64-gcc").get("message")).startsWith("timed out after 3 s");
        assertThat(c.get("fast/debian/x86_64-gcc")).containsEntry("status", "built");
        assertThat(ProcessHandle.allProcesses()
                        .filter(h -> h.info().commandLine().orElse("").contains("sleep 313"))
                        .toList())
                .isEmpty();
        // --step-timeout does the same for every step
        Path ws2 = workspace("timeout2", Map.of("slow", "$(shell sleep 314)"), "");
        ItSupport.Run run2 = ItSupport.kforgeWithEnv(
                ws2, Map.of("KFORGE_CACHE_DIR", dir.resolve("cache").toString()), "build", "--step-timeout", "2");
        assertThat(run2.code()).isEqualTo(1);
        assertThat(cells(ws2.resolve("out")).get("slow/debian/x86_64-gcc")).containsEntry("status", "timed-out");
    }

    /** The user cache holds the extracted sources and a prepared riscv64 tree whichever test class ran first. */
    static void warmUserCache(Path scratch) throws Exception {
        Path ws = ItSupport.copyExamples(scratch);
        ItSupport.Run warm = kforge(ws, "build", "kf_core/v6.1/riscv64-gcc");
        assertThat(warm.code()).as(warm.err()).isZero();
    }

    @Test
    void twoProcessesBuildingTheSameWorkspaceAtOnceBothSucceed() throws Exception {
        warmUserCache(dir.resolve("warm"));
        Path ws = ItSupport.copyExamples(dir.resolve("concurrent"));
        // Only the C cells on two trees: enough to race on trees, build directories and cache entries.
        Files.writeString(
                ws.resolve("drivers/kf_core/kf_core.c"),
                "\n/* " + System.nanoTime() + " */\n",
                StandardOpenOption.APPEND);
        Path shared = dir.resolve("cache");
        Files.createDirectories(shared);
        Path userCache = ItSupport.itCache();
        Files.createSymbolicLink(shared.resolve("sources"), userCache.resolve("sources"));
        Files.createSymbolicLink(shared.resolve("digests"), userCache.resolve("digests"));
        Files.createSymbolicLink(shared.resolve("debian"), userCache.resolve("debian")); // Debian's trees, fetched once
        Files.createSymbolicLink(
                shared.resolve("roots"),
                Files.createDirectories(userCache.resolve("roots"))); // toolchain roots, made once
        Process a = launch(ws, "build", "kf_*/v6.1/x86_64-gcc", "kf_*/debian/*");
        Files.move(ws.resolve("kforge.log"), ws.resolve("a.log"));
        Process b = launch(ws, "build", "kf_*/v6.1/x86_64-gcc", "kf_*/debian/*");
        assertThat(a.waitFor(10, TimeUnit.MINUTES)).isTrue();
        assertThat(b.waitFor(10, TimeUnit.MINUTES)).isTrue();
        String logA = Files.readString(ws.resolve("a.log"));
        String logB = Files.readString(ws.resolve("kforge.log"));
        assertThat(a.exitValue()).as(logA).isZero();
        assertThat(b.exitValue()).as(logB).isZero();
        String both = logA + logB;
        assertThat(both.split("built     prepare/v6.1/x86_64-gcc", -1))
                .as("the tree is prepared once")
                .hasSize(2);
        assertThat(both).contains("cached    prepare/v6.1/x86_64-gcc");
        assertThat(Files.readAllLines(ws.resolve("out/SHA256SUMS"))).hasSize(4);
        assertNoTemporaries(ws.resolve("out"));
        assertNoTemporaries(shared.resolve("steps"));
    }

    @Test
    void aCorruptCacheBlobIsDetectedReportedAndRepaired() throws Exception {
        Path ws = workspace("corrupt", Map.of("solo", ""), "");
        Map<String, String> env =
                Map.of("KFORGE_CACHE_DIR", dir.resolve("cache").toString());
        assertThat(ItSupport.kforgeWithEnv(ws, env, "build").code()).isZero();
        Path ko = ws.resolve("out/debian/x86_64-gcc/solo/solo.ko");
        String sha = Digest.ofFile(ko).hex();
        Path blob = dir.resolve("cache/steps/cas").resolve(sha.substring(0, 2)).resolve(sha);
        assertThat(blob).isRegularFile();
        byte[] bytes = Files.readAllBytes(blob);
        Files.write(blob, Arrays.copyOf(bytes, bytes.length / 2)); // truncated
        // With out/ intact nothing needs the blob: the cell is cached and out/ is left as it is.
        ItSupport.Run intact = launched(ws, env, "build");
        assertThat(intact.code()).isZero();
        assertThat(cells(ws.resolve("out")).get("solo/debian/x86_64-gcc")).containsEntry("status", "cached");
        assertThat(Digest.ofFile(ko).hex()).isEqualTo(sha);
        // Once out/ is gone the module must come from the cache: the corrupt blob is found, reported and rebuilt.
        FileTrees.deleteRecursively(ws.resolve("out"));
        ItSupport.Run run = launched(ws, env, "build");
        assertThat(run.code()).isZero();
        assertThat(run.err()).contains("cache blob " + sha.substring(0, 12) + " missing or corrupt; rebuilding");
        assertThat(cells(ws.resolve("out")).get("solo/debian/x86_64-gcc")).containsEntry("status", "built");
        assertThat(Digest.ofFile(ko).hex()).isEqualTo(sha);
        assertThat(Digest.ofFile(blob).hex()).as("repaired").isEqualTo(sha);
    }

    @Test
    void aDeletedFileInAPreparedTreeIsDetectedAndTheTreeRepaired() throws Exception {
        warmUserCache(dir.resolve("warm"));
        Path ws = ItSupport.copyExamples(dir.resolve("damaged"));
        Path userCache = ItSupport.itCache();
        Path scratch = dir.resolve("cache");
        Files.createDirectories(scratch.resolve("trees"));
        Files.createSymbolicLink(scratch.resolve("sources"), userCache.resolve("sources"));
        Files.createSymbolicLink(scratch.resolve("debian"), userCache.resolve("debian"));
        Files.createSymbolicLink(scratch.resolve("roots"), Files.createDirectories(userCache.resolve("roots")));
        Map<String, String> env = Map.of("KFORGE_CACHE_DIR", scratch.toString());
        // The examples' own riscv64 tree, as the plan names it (the cache holds other riscv64 trees too).
        String tree = treeOf(ws, "prepare/v6.1/riscv64-gcc");
        new ProcessBuilder(
                        "cp",
                        "-a",
                        userCache.resolve("trees").resolve(tree).toString(),
                        scratch.resolve("trees").toString())
                .start()
                .waitFor();
        // A first run reuses the copy as it is (and records its file listing if an older kforge prepared it).
        ItSupport.Run before = ItSupport.kforgeWithEnv(ws, env, "build", "--no-cache", "kf_core/v6.1/riscv64-gcc");
        assertThat(before.code()).as(before.err()).isZero();
        assertThat(before.err()).contains("cached    prepare/v6.1/riscv64-gcc");
        Files.delete(scratch.resolve("trees").resolve(tree).resolve("scripts/mod/modpost"));
        ItSupport.Run run = launched(ws, env, "build", "--no-cache", "kf_core/v6.1/riscv64-gcc");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.err())
                .contains("prepared tree " + scratch.resolve("trees").resolve(tree) + " was damaged");
        assertThat(scratch.resolve("trees").resolve(tree).resolve("scripts/mod/modpost"))
                .isRegularFile();
        assertThat(cells(ws.resolve("out")).get("kf_core/v6.1/riscv64-gcc")).containsEntry("status", "built");
    }

    @Test
    void aHundredMegabytesOfWarningsDoNotGrowKforgesMemory() throws Exception {
        Path ws = workspace(
                "noisy",
                Map.of(
                        "noisy",
                        "$(shell yes 'drivers/noisy/noisy.c:1:1: warning: this line repeats until the log is 100 MB' | head -c 100000000 >&2)"),
                "");
        List<String> argv = List.of(ItSupport.launcher().toString(), "build", "--no-cache");
        ProcessBuilder pb = new ProcessBuilder(argv)
                .directory(ws.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ws.resolve("kforge.log").toFile());
        pb.environment().put("KFORGE_CACHE_DIR", dir.resolve("cache").toString());
        pb.environment().put("KFORGE_JAVA_OPTS", "-Xmx48m -XX:+UseSerialGC");
        Process p = pb.start();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(ws.resolve("kforge.log"))).isZero();
        assertThat(Files.size(ws.resolve("out/debian/x86_64-gcc/noisy/build.log")))
                .isGreaterThan(100_000_000L);
        @SuppressWarnings("unchecked")
        var diags = (List<Object>)
                cells(ws.resolve("out")).get("noisy/debian/x86_64-gcc").get("diagnostics");
        assertThat(diags).hasSize(200);
    }

    @Test
    void aFullOutputDiskIsAnEnvironmentErrorAndTheCacheStaysConsistent() throws Exception {
        Path ws = workspace("full", Map.of("solo", ""), "");
        Files.writeString(
                ws.resolve("kforge.toml"),
                "[workspace]\nout = \"disk/out\"\n" + Files.readString(ws.resolve("kforge.toml")));
        Path disk = Files.createDirectories(ws.resolve("disk"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", disk.toString()).start();
        assertThat(mount.waitFor())
                .as("mounting a 16 KiB tmpfs (kforge's tests run as root)")
                .isZero();
        try {
            Files.writeString(disk.resolve("filler"), "x".repeat(12_000));
            ItSupport.Run run = ItSupport.kforgeWithEnv(
                    ws, Map.of("KFORGE_CACHE_DIR", dir.resolve("cache").toString()), "build", "--no-cache");
            assertThat(run.code()).as(run.out() + run.err()).isEqualTo(3);
            assertThat(run.err()).containsIgnoringCase("no space left on device");
            assertNoTemporaries(dir.resolve("cache/steps"));
            // The cell did not finish, so the cache holds nothing for it: no entry, no stray blob.
            var cache = new LocalStepCache(dir.resolve("cache/steps"));
            assertThat(cache.stats()).isEqualTo(new LocalStepCache.Stats(0, 0, 0));
        } finally {
            new ProcessBuilder("umount", disk.toString()).start().waitFor();
        }
        // With space again, the same build succeeds and is stored whole.
        ItSupport.Run again = ItSupport.kforgeWithEnv(
                ws, Map.of("KFORGE_CACHE_DIR", dir.resolve("cache").toString()), "build");
        assertThat(again.code()).as(again.out() + again.err()).isZero();
        var cache = new LocalStepCache(dir.resolve("cache/steps"));
        assertThat(cache.stats().entries()).isEqualTo(1);
        Path ac = dir.resolve("cache/steps/ac");
        try (Stream<Path> s = Files.list(ac)) {
            for (Path e : s.toList()) {
                var entry = cache.lookup(new Digest(e.getFileName().toString())).orElseThrow();
                for (var d : entry.outputs().values()) {
                    assertThat(cache.fetch(d, dir.resolve("check").resolve(d.hex())))
                            .isTrue();
                }
            }
        }
    }

    /** The directory name under ${trees} of a prepare step of the workspace's plan. */
    @SuppressWarnings("unchecked")
    static String treeOf(Path ws, String prepareStep) {
        ItSupport.Run plan = ItSupport.kforge(ws, "plan");
        assertThat(plan.code()).as(plan.err()).isZero();
        var steps = (List<Map<String, Object>>) ((Map<String, Object>) CanonicalJson.read(plan.out())).get("steps");
        String tree = steps.stream()
                .filter(st -> st.get("id").equals(prepareStep))
                .map(st -> (String) ((Map<String, Object>) st.get("attributes")).get("tree"))
                .findFirst()
                .orElseThrow();
        return tree.substring(tree.lastIndexOf('/') + 1);
    }
}
