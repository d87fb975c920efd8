package dev.kforge.cli;

import static dev.kforge.cli.ItSupport.cells;
import static dev.kforge.cli.ItSupport.kforgeWithEnv;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kbuild's compiler probes memoised across builds, on Debian's x86_64 headers with real make and
 * gcc. The compiler is reached through a wrapper that logs every start, so the probes (try-run
 * writes its output below the module's .tmp_PID directory) are counted, not guessed; the modules
 * and Kbuild's recorded command lines must be the same with and without the memo.
 */
class ProbeMemoIT {

    /** Debian's headers name the compiler with its version (CC = $(CROSS_COMPILE)gcc-12, .kernelvariables). */
    static final List<String> GCC = List.of("x86_64-linux-gnu-gcc", "x86_64-linux-gnu-gcc-12");

    @TempDir
    Path dir;

    Path ws;
    Path calls;
    Map<String, String> env;

    void setUp() throws IOException {
        ws = dir.resolve("ws");
        IncrementalIT.twelvePartDriver(ws, "");
        Path bin = Files.createDirectories(dir.resolve("bin"));
        calls = dir.resolve("gcc-calls");
        for (String gcc : GCC) {
            Path wrapper = bin.resolve(gcc);
            Files.writeString(
                    wrapper, "#!/bin/sh\nprintf '%s\\n' \"$*\" >> " + calls + "\nexec /usr/bin/" + gcc + " \"$@\"\n");
            Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        env = new HashMap<>();
        env.put("PATH", bin + ":" + System.getenv("PATH"));
        // A cache of its own (Debian's headers need no preparing), so the first build here is the memo's first.
        env.put("KFORGE_CACHE_DIR", dir.resolve("cache").toString());
    }

    @SuppressWarnings("ArrayRecordComponent") // compared field by field, the module with Arrays.equals
    record Build(int probes, int compiles, byte[] ko, Map<String, String> savedCommands, String log) {}

    Build build(String what, Map<String, String> extra) throws IOException {
        Files.deleteIfExists(calls);
        Map<String, String> e = new HashMap<>(env);
        e.putAll(extra);
        ItSupport.Run r = kforgeWithEnv(ws, e, "build", "--no-cache");
        assertThat(r.code()).as(what + ": " + r.err()).isZero();
        assertThat(cells(ws.resolve("out")).get("many/debian/x86_64-gcc").get("status"))
                .as(what)
                .isEqualTo("built");
        List<String> lines = Files.exists(calls) ? Files.readAllLines(calls) : List.of();
        int probes = (int) lines.stream().filter(l -> l.contains("/.tmp_")).count();
        int compiles = (int) lines.stream()
                .filter(l -> l.matches(".* -c -o \\S*part\\d+\\.o \\S*part\\d+\\.c$"))
                .count();
        Path build = ws.resolve(".kforge/build/debian/x86_64-gcc/many");
        Map<String, String> saved = new TreeMap<>();
        try (Stream<Path> s = Files.list(build)) {
            for (Path cmd : s.filter(p -> p.getFileName().toString().matches("\\..*\\.(o|ko)\\.cmd"))
                    .toList()) {
                // The first line is the command Kbuild ran (savedcmd_ in 6.1, cmd_ before): the flags the probes chose.
                saved.put(cmd.getFileName().toString(), Files.readAllLines(cmd).get(0));
            }
        }
        return new Build(
                probes,
                compiles,
                Files.readAllBytes(ws.resolve("out/debian/x86_64-gcc/many/many.ko")),
                saved,
                Files.readString(ws.resolve("out/debian/x86_64-gcc/many/build.log")));
    }

    Path memoFile() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("cache/trees/.kbuild-probes"))) {
            List<Path> memos = s.filter(p -> p.getFileName().toString().matches("[0-9a-f]{32}\\.mk"))
                    .toList();
            assertThat(memos).hasSize(1);
            return memos.get(0);
        }
    }

    @Test
    void theSecondBuildRunsNoProbeAndBuildsTheSameModule() throws Exception {
        setUp();
        Build off = build("without the memo", Map.of("KFORGE_NO_PROBE_MEMO", "1"));
        assertThat(off.probes()).as("Kbuild probes the compiler on every make").isGreaterThanOrEqualTo(10);
        assertThat(off.compiles()).isEqualTo(12);
        assertThat(off.log()).doesNotContain("probes memoised");
        assertThat(dir.resolve("cache/trees/.kbuild-probes")).doesNotExist();

        Build learning = build("first build with the memo", Map.of());
        assertThat(learning.probes()).isEqualTo(off.probes());
        assertThat(learning.log()).containsPattern("compiler probes memoised in \\S+ \\(\\d+ learned\\)");
        Path memo = memoFile();
        assertThat(Files.readAllLines(memo))
                .hasSizeGreaterThanOrEqualTo(10)
                .allMatch(l -> l.matches("kfp_\\S+ := [yn]"));

        Build warm = build("second build with the memo", Map.of());
        assertThat(warm.probes()).as("every probe answered by the memo").isZero();
        assertThat(warm.compiles()).as("--no-cache still compiles everything").isEqualTo(12);
        assertThat(warm.savedCommands()).hasSizeGreaterThanOrEqualTo(13).isEqualTo(off.savedCommands());
        assertThat(warm.ko()).isEqualTo(off.ko()).isEqualTo(learning.ko());

        // A damaged memo is repaired, not fatal to the build.
        Files.writeString(memo, Files.readString(memo) + "kfp_cut_s-W\n$(error injected)\n");
        Build repaired = build("damaged memo", Map.of());
        assertThat(repaired.probes()).isZero();
        assertThat(repaired.ko()).isEqualTo(off.ko());
        assertThat(Files.readAllLines(memo)).allMatch(l -> l.matches("kfp_\\S+ := [yn]"));

        // verify (two clean builds, compared) passes with the memo.
        ItSupport.Run verify = kforgeWithEnv(ws, env, "verify");
        assertThat(verify.code()).as(verify.out() + verify.err()).isZero();
    }
}
