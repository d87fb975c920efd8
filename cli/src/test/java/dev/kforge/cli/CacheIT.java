package dev.kforge.cli;

import static dev.kforge.cli.ItSupport.cells;
import static dev.kforge.cli.ItSupport.kforge;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The step cache and reproducible modules, on the examples and real Kbuild. */
class CacheIT {

    @TempDir
    Path dir;

    /** A make or cargo that builds (probes such as --version do not count). */
    static boolean runsMake(List<String> argv) {
        return (argv.get(0).equals("make") || argv.get(0).endsWith("/cargo")) && !argv.contains("--version");
    }

    @Test
    void noOpRunsNoMakeAndTouchingOneDriverRebuildsOnlyItsCells() throws Exception {
        Path a = ItSupport.copyExamples(dir.resolve("a"));
        ItSupport.Run first = kforge(a, "build");
        assertThat(first.code()).as(first.err()).isZero();
        List<String> sums = Files.readAllLines(a.resolve("out/SHA256SUMS"));
        assertThat(sums).hasSize(33);

        ItSupport.Run again = kforge(a, "build");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.commands()).noneMatch(CacheIT::runsMake);
        assertThat(again.out()).contains("41 cells: 0 built, 33 cached, 0 failed, 8 skipped");
        assertThat(Files.readAllLines(a.resolve("out/SHA256SUMS"))).isEqualTo(sums);
        assertThat(a.resolve("out/v6.1/arm64-gcc/kf_core/tools/kfctl/kfctl")).isExecutable();

        Files.writeString(
                a.resolve("drivers/kf_user/kf_user.c"),
                "\n/* touched " + System.nanoTime() + " */\n",
                StandardOpenOption.APPEND);
        ItSupport.Run touched = kforge(a, "build");
        assertThat(touched.code()).as(touched.err()).isZero();
        Map<String, Map<String, Object>> c = cells(a.resolve("out"));
        c.forEach((id, cell) -> {
            if (cell.get("status").equals("skipped")) {
                return;
            }
            assertThat(cell.get("status")).as(id).isEqualTo(id.startsWith("kf_user/") ? "built" : "cached");
        });
        assertThat(touched.commands())
                .filteredOn(CacheIT::runsMake)
                .filteredOn(argv -> argv.get(0).equals("make"))
                .allMatch(argv -> argv.stream().anyMatch(x -> x.startsWith("M=") && x.endsWith("/kf_user")))
                .hasSize(13);

        // The same sources in a directory of another depth, built for real, give the same bytes.
        Path b = ItSupport.copyExamples(dir.resolve("b/much/deeper/than/a"));
        ItSupport.Run other = kforge(b, "build", "--no-cache");
        assertThat(other.code()).as(other.err()).isZero();
        assertThat(other.commands()).anyMatch(CacheIT::runsMake);
        assertThat(Files.readAllLines(b.resolve("out/SHA256SUMS"))).isEqualTo(sums);

        // Provenance names every module with its digest.
        String provenance = Files.readString(a.resolve("out/provenance.json"));
        assertThat(provenance)
                .contains(
                        "\"_type\" : \"https://in-toto.io/Statement/v1\"",
                        "\"predicateType\" : \"https://slsa.dev/provenance/v1\"",
                        "\"name\" : \"v6.1/x86_64-llvm/rust_hello/rust_hello.ko\"");
        String meta = Files.readString(a.resolve("out/v6.1/arm64-gcc/kf_core/metadata.json"));
        assertThat(meta).contains("\"stepKey\" : \"", "\"${workspace}/drivers/kf_core\" : \"");
    }

    @Test
    void verifyPassesOnTheExamplesAndNamesTheSectionsOfANonReproducibleDriver() throws Exception {
        Path ex = ItSupport.copyExamples(dir.resolve("ex"));
        ItSupport.Run ok = kforge(ex, "verify", "kf_core/v6.1/arm64-gcc", "rust_hello/v6.1/x86_64-llvm");
        assertThat(ok.code()).as(ok.out() + ok.err()).isZero();
        assertThat(ok.out())
                .contains("kf_core/v6.1/arm64-gcc", "reproducible")
                .contains("2 module(s) checked, 0 not reproducible");

        Path ws = dir.resolve("random");
        new TestWorkspace(ws)
                .write(
                        "drivers/dice/Kbuild",
                        "obj-m += dice.o\nccflags-y += -DDICE=$(shell od -An -N4 -tu4 /dev/urandom | tr -d ' ')\n")
                .write("drivers/dice/dice.c", """
                        #include <linux/module.h>
                        static const char dice_roll[] = __stringify(DICE);
                        static int __init dice_init(void)
                        {
                        	pr_info("rolled %s\\n", dice_roll);
                        	return 0;
                        }
                        module_init(dice_init);
                        MODULE_LICENSE("GPL");
                        """)
                .manifest("""
                        [[kernel]]
                        name = "debian"
                        headers = "/usr/src/linux-headers-*-amd64"
                        [[driver]]
                        name = "dice"
                        path = "drivers/dice"
                        [[matrix]]
                        arches = ["x86_64"]
                        """);
        ItSupport.Run bad = kforge(ws, "verify");
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.out())
                .containsPattern("dice/debian/x86_64-gcc +DIFFERS +dice.ko: sections .*\\.rodata")
                .contains("1 module(s) checked, 1 not reproducible");
    }
}
