package dev.kforge.kbuild;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.digest.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The probe memo's helper makefile under real GNU make, with a makefile that calls try-run the way
 * Kbuild does (TMPOUT, "$$TMP", options printed on success or failure). ProbeMemoIT covers Kbuild.
 */
class ProbeMemoTest {

    @TempDir
    Path dir;

    /** Kbuild's own definitions (scripts/Makefile.compiler, 5.13 and later) and a few probes, counted by a log. */
    static final String KBUILD_LIKE = """
            TMPOUT = $(if $(KBUILD_EXTMOD),$(firstword $(KBUILD_EXTMOD))/).tmp_$$$$
            try-run = $(shell set -e;		\\
            	TMP=$(TMPOUT)/tmp;		\\
            	trap "rm -rf $(TMPOUT)" EXIT;	\\
            	mkdir -p $(TMPOUT);		\\
            	if ($(1)) >/dev/null 2>&1;	\\
            	then echo "$(2)";		\\
            	else echo "$(3)";		\\
            	fi)
            hash := \\#
            probe = $(call try-run,echo ran >> $(RAN); $(1) && touch "$$TMP",$(2),$(3))
            A := $(call probe,true,-fyes,-fno)
            B := $(call probe,false,-fyes,-fno)
            C := $(call probe,test a=b = a=b,eq,ne)
            D := $(call probe,test a_eb = a=b,eq,ne)
            E := $(call probe,printf "%b\\n" "x:y $(hash) z" | grep -q "x:y",found,missing)
            all: ; @echo "$(A) $(B) $(C) $(D) $(E)"
            """;

    record Made(String out, int probesRun) {}

    Made make(ProbeMemo.Use use) throws IOException, InterruptedException {
        Path mk = dir.resolve("Makefile");
        Files.writeString(mk, KBUILD_LIKE);
        Path ran = dir.resolve("ran");
        Files.deleteIfExists(ran);
        ProcessBuilder pb = new ProcessBuilder(
                        "make", "-s", "-f", mk.toString(), "RAN=" + ran, "KBUILD_EXTMOD=" + dir.resolve("ext"))
                .directory(dir.toFile())
                .redirectErrorStream(true);
        pb.environment().putAll(use.env());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor()).as(out).isZero();
        return new Made(out, Files.exists(ran) ? Files.readAllLines(ran).size() : 0);
    }

    @Test
    void learnsEveryProbeOnceAndAnswersAsTheTreeWould() throws Exception {
        Files.createDirectories(dir.resolve("ext"));
        ProbeMemo memo = new ProbeMemo(dir.resolve("memo"));
        Digest key = Digest.of("tree+toolchain");

        ProbeMemo.Use first = memo.open(key);
        Made cold = make(first);
        assertThat(cold.out()).isEqualTo("-fyes -fno eq ne found");
        assertThat(cold.probesRun()).isEqualTo(5);
        assertThat(memo.learn(first)).isEqualTo(5);
        assertThat(first.log()).doesNotExist();
        // Distinct commands stay distinct after sanitising ('_' is escaped before '=' becomes "_e").
        assertThat(ProbeMemo.read(first.memo()).orElseThrow()).hasSize(5).containsValues("y", "n");

        ProbeMemo.Use second = memo.open(key);
        Made warm = make(second);
        assertThat(warm.out()).isEqualTo(cold.out());
        assertThat(warm.probesRun()).isZero();
        assertThat(memo.learn(second)).isZero();
        // No probe directory is left in the external module's directory.
        try (var s = Files.list(dir.resolve("ext"))) {
            assertThat(s.toList()).isEmpty();
        }

        // Another tree or toolchain has its own memo.
        ProbeMemo.Use other = memo.open(Digest.of("another tree"));
        assertThat(other.memo()).isNotEqualTo(first.memo());
        assertThat(make(other).probesRun()).isEqualTo(5);
    }

    @Test
    void dropsLinesItDidNotWriteInsteadOfBreakingTheBuild() throws Exception {
        Files.createDirectories(dir.resolve("ext"));
        ProbeMemo memo = new ProbeMemo(dir.resolve("memo"));
        Digest key = Digest.of("k");
        ProbeMemo.Use first = memo.open(key);
        make(first);
        memo.learn(first);
        List<String> lines = new ArrayList<>(Files.readAllLines(first.memo()));
        String kept = lines.get(0);
        lines.add(lines.get(1).substring(0, 20)); // a fragment, as a killed writer would leave
        lines.add("kfp_x := maybe");
        lines.add("$(error injected)");
        Files.write(first.memo(), lines);

        ProbeMemo.Use again = memo.open(key);
        assertThat(Files.readAllLines(again.memo())).hasSize(5).contains(kept);
        Made m = make(again);
        assertThat(m.out()).isEqualTo("-fyes -fno eq ne found");
        assertThat(m.probesRun()).isZero();
    }

    @Test
    void aLogCutMidLineIsMergedWithoutTheFragment() throws Exception {
        ProbeMemo memo = new ProbeMemo(dir.resolve("memo"));
        ProbeMemo.Use use = memo.open(Digest.of("k"));
        Files.writeString(use.log(), "kfp_a_sb := y\nkfp_c := n\nkfp_half_s-W");
        assertThat(memo.learn(use)).isEqualTo(2);
        assertThat(ProbeMemo.read(use.memo()).orElseThrow()).isEqualTo(Map.of("kfp_a_sb", "y", "kfp_c", "n"));
    }

    @Test
    void onlyTreesWhoseTryRunItReplacesUseIt() throws Exception {
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree.resolve("scripts"));
        assertThat(ProbeMemo.supports(List.of(tree))).isFalse();
        Files.writeString(tree.resolve("scripts/Makefile.compiler"), KBUILD_LIKE);
        assertThat(ProbeMemo.supports(List.of(dir.resolve("elsewhere"), tree))).isTrue();
        // 4.x kept try-run in Kbuild.include with TMPOUT the module's own directory, which must never be removed.
        Files.writeString(tree.resolve("scripts/Makefile.compiler"), KBUILD_LIKE.replace(".tmp_$$$$", ""));
        assertThat(ProbeMemo.supports(List.of(tree))).isFalse();
    }
}
