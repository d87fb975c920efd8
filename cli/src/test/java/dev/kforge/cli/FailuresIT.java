package dev.kforge.cli;

import static dev.kforge.cli.ItSupport.cells;
import static dev.kforge.cli.ItSupport.kforge;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A compiler error, a missing CONFIG_ option and a good driver side by side, on real Kbuild. */
class FailuresIT {

    @TempDir
    Path dir;

    @Test
    void aBrokenDriverFailsWithItsFileAndLineWhileTheOthersBuild() throws Exception {
        new TestWorkspace(dir)
                .cDriver("drivers/good")
                .write("drivers/broken/Kbuild", "obj-m += broken.o\n")
                .write("drivers/broken/broken.c", """
                        #include <linux/module.h>

                        static int __init broken_init(void)
                        {
                        	return 0
                        }
                        module_init(broken_init);
                        MODULE_LICENSE("GPL");
                        """)
                .cDriver("drivers/needs")
                .manifest("""
                        [[kernel]]
                        name = "debian"
                        headers = "/usr/src/linux-headers-*-amd64"

                        [[kernel]]
                        name = "v6.1"
                        source = "/usr/src/linux-source-6.1.tar.xz"

                        [[driver]]
                        name = "good"
                        path = "drivers/good"

                        [[driver]]
                        name = "broken"
                        path = "drivers/broken"

                        [[driver]]
                        name = "needs"
                        path = "drivers/needs"
                        requires = ["CONFIG_KFORGE_NO_SUCH_OPTION"]

                        [[matrix]]
                        arches = ["x86_64"]
                        """);
        ItSupport.Run run = kforge(dir, "build", "--no-cache", "--junit", "junit.xml");
        assertThat(run.code()).as(run.err()).isEqualTo(1);
        var cells = cells(dir.resolve("out"));
        for (String k : new String[] {"debian", "v6.1"}) {
            var broken = cells.get("broken/" + k + "/x86_64-gcc");
            assertThat(broken).containsEntry("status", "failed");
            assertThat((String) broken.get("message")).startsWith("drivers/broken/broken.c:5:");
            assertThat(broken.get("diagnostics").toString())
                    .contains("file=drivers/broken/broken.c", "line=5", "severity=error");
            assertThat(dir.resolve("out/" + k + "/x86_64-gcc/broken/build.log")).isRegularFile();
            assertThat(dir.resolve("out/" + k + "/x86_64-gcc/broken/broken.ko")).doesNotExist();
            assertThat(cells.get("good/" + k + "/x86_64-gcc")).containsEntry("status", "built");
            assertThat(dir.resolve("out/" + k + "/x86_64-gcc/good/good.ko")).isRegularFile();
        }
        assertThat(cells.get("needs/debian/x86_64-gcc"))
                .containsEntry("status", "skipped")
                .containsEntry("message", "kernel 'debian' lacks CONFIG_KFORGE_NO_SUCH_OPTION");
        assertThat(cells.get("needs/v6.1/x86_64-gcc"))
                .containsEntry("status", "skipped")
                .containsEntry("message", "kernel tree lacks CONFIG_KFORGE_NO_SUCH_OPTION");
        assertThat(run.err())
                .contains("FAILED broken/v6.1/x86_64-gcc: drivers/broken/broken.c:5:")
                .contains("log: " + dir.resolve("out/v6.1/x86_64-gcc/broken/build.log"));
        assertThat(Files.readString(dir.resolve("junit.xml")))
                .contains("failures=\"2\"")
                .contains("<failure type=\"failed\"");
        // Nothing half-written is left next to the published cells.
        try (var s = Files.walk(dir.resolve("out"))) {
            assertThat(s.filter(p -> p.getFileName().toString().contains(".tmp-"))
                            .toList())
                    .isEmpty();
        }
    }

    @Test
    void failFastStopsAtTheFirstFailure() throws Exception {
        new TestWorkspace(dir)
                .write("drivers/a/Kbuild", "obj-m += a.o\n")
                .write("drivers/a/a.c", "this is not C\n")
                .cDriver("drivers/b")
                .manifest("""
                        [[kernel]]
                        name = "debian"
                        headers = "/usr/src/linux-headers-*-amd64"
                        [[driver]]
                        name = "a"
                        path = "drivers/a"
                        [[driver]]
                        name = "b"
                        path = "drivers/b"
                        [[matrix]]
                        arches = ["x86_64"]
                        """);
        ItSupport.Run run = kforge(dir, "build", "--no-cache", "-j", "1", "--fail-fast");
        assertThat(run.code()).isEqualTo(1);
        var cells = cells(dir.resolve("out"));
        assertThat(cells.get("a/debian/x86_64-gcc")).containsEntry("status", "failed");
        assertThat(cells.get("b/debian/x86_64-gcc")).containsEntry("status", "cancelled");
    }

    /** The real case: cmpxchg on a 16-bit field, riscv64 on 6.1, reported at the driver's own line. */
    @Test
    void aBuildBugInTheKernelsMacrosIsReportedAtTheDriversLine() throws Exception {
        new TestWorkspace(dir)
                .write("drivers/cx/Kbuild", "obj-m += cx.o\n")
                .write("drivers/cx/cx.c", """
                        // SPDX-License-Identifier: GPL-2.0
                        #include <linux/module.h>
                        #include <linux/atomic.h>

                        struct cx_state {
                        	u16 flag;
                        };

                        static struct cx_state state;

                        static int __init cx_init(void)
                        {
                        	u16 old = cmpxchg(&state.flag, 0, 1);

                        	return old;
                        }
                        module_init(cx_init);
                        MODULE_LICENSE("GPL");
                        """)
                .manifest("""
                        [[kernel]]
                        name = "v6.1"
                        source = "/usr/src/linux-source-6.1.tar.xz"
                        [[driver]]
                        name = "cx"
                        path = "drivers/cx"
                        [[matrix]]
                        arches = ["riscv64"]
                        toolchains = ["gcc"]
                        """);
        ItSupport.Run run = kforge(dir, "build", "--no-cache");
        assertThat(run.code()).as(run.err()).isEqualTo(1);
        var cell = cells(dir.resolve("out")).get("cx/v6.1/riscv64-gcc");
        assertThat(cell).containsEntry("status", "failed");
        assertThat((String) cell.get("message"))
                .startsWith("drivers/cx/cx.c:13:")
                .contains("BUILD_BUG failed");
        assertThat(run.err())
                .contains("FAILED cx/v6.1/riscv64-gcc: drivers/cx/cx.c:13:")
                .contains("note: reported in include/linux/compiler_types.h:");
    }

    /** A tree that cannot be prepared fails its cells (not skips them), and every count says so. */
    @Test
    void aFailedTreePreparationFailsItsCellsAndIsCounted() throws Exception {
        new TestWorkspace(dir)
                .cDriver("drivers/a")
                .cDriver("drivers/b")
                .write("no-such-option.config", "CONFIG_KFORGE_NO_SUCH_OPTION=y\n")
                .manifest("""
                        [[kernel]]
                        name = "v6.1"
                        source = "/usr/src/linux-source-6.1.tar.xz"
                        fragments = ["no-such-option.config"]
                        [[driver]]
                        name = "a"
                        path = "drivers/a"
                        [[driver]]
                        name = "b"
                        path = "drivers/b"
                        [[matrix]]
                        arches = ["riscv64"]
                        toolchains = ["gcc"]
                        """);
        ItSupport.Run run = kforge(dir, "build", "--no-cache", "--junit", "junit.xml");
        assertThat(run.code()).as(run.err()).isEqualTo(1);
        var cells = cells(dir.resolve("out"));
        for (String id : new String[] {"a/v6.1/riscv64-gcc", "b/v6.1/riscv64-gcc"}) {
            assertThat(cells.get(id)).containsEntry("status", "failed");
            assertThat((String) cells.get(id).get("message"))
                    .startsWith("tree preparation failed: prepare/v6.1/riscv64-gcc: ")
                    .contains("CONFIG_KFORGE_NO_SUCH_OPTION");
        }
        assertThat(run.out()).contains("2 cells: 0 built, 0 cached, 2 failed, 0 skipped; 1 tree: 1 failed");
        @SuppressWarnings("unchecked")
        var summary = (Map<String, Object>)
                ItSupport.json(dir.resolve("out/kforge-results.json")).get("summary");
        assertThat(summary).containsEntry("failed", 2).containsEntry("failedSteps", 3);
        assertThat(Files.readString(dir.resolve("junit.xml")))
                .contains("tests=\"3\" failures=\"3\" errors=\"0\" skipped=\"0\"");
    }

    /** A cargo companion that does not compile fails the run, and the summary line, JSON and JUnit all count it. */
    @Test
    void aFailedCompanionIsCountedEverywhere() throws Exception {
        new TestWorkspace(dir)
                .cDriver("drivers/a")
                .write("drivers/a/tool/Cargo.toml", """
                        [package]
                        name = "atool"
                        version = "0.1.0"
                        edition = "2021"
                        """)
                .write("drivers/a/tool/src/main.rs", "fn main() { this is not rust }\n")
                .manifest("""
                        [[kernel]]
                        name = "debian"
                        headers = "/usr/src/linux-headers-*-amd64"
                        [[driver]]
                        name = "a"
                        path = "drivers/a"
                        [[driver.cargo]]
                        path = "drivers/a/tool"
                        role = "tool"
                        [[matrix]]
                        arches = ["x86_64"]
                        """);
        ItSupport.Run run = kforge(dir, "build", "--no-cache", "--junit", "junit.xml");
        assertThat(run.code()).as(run.err()).isEqualTo(1);
        assertThat(run.out()).contains("1 cells: 1 built, 0 cached, 0 failed, 0 skipped; 1 companion: 1 failed");
        assertThat(run.err()).contains("FAILED cargo-tool/a/tool/debian/x86_64-gcc");
        @SuppressWarnings("unchecked")
        var summary = (Map<String, Object>)
                ItSupport.json(dir.resolve("out/kforge-results.json")).get("summary");
        assertThat(summary).containsEntry("failedSteps", 1);
        assertThat(Files.readString(dir.resolve("junit.xml"))).contains("tests=\"2\" failures=\"1\" errors=\"0\"");
    }

    /**
     * A source kernel with symvers = true checks symbols like a distribution's headers: the driver
     * calling a function no kernel exports fails, with the symbol named, and the good one builds.
     * (Same kernel, config and fragment as the examples, so the tests share the tree.)
     */
    @Test
    void anUndefinedSymbolFailsAgainstASourceKernelWithSymvers() throws Exception {
        new TestWorkspace(dir)
                .cDriver("drivers/good")
                .write("drivers/ghost/Kbuild", "obj-m += ghost.o\n")
                .write("drivers/ghost/ghost.c", DebianIT.UNKNOWN_SYMBOL)
                .write(
                        "configs/modules.config",
                        Files.readString(ItSupport.repo().resolve("examples/configs/modules.config")))
                .manifest("""
                        [[kernel]]
                        name = "v6.1-checked"
                        source = "/usr/src/linux-source-6.1.tar.xz"
                        config = "tinyconfig"
                        fragments = ["configs/modules.config"]
                        symvers = true
                        [[driver]]
                        name = "good"
                        path = "drivers/good"
                        [[driver]]
                        name = "ghost"
                        path = "drivers/ghost"
                        [[matrix]]
                        arches = ["x86_64"]
                        """);
        ItSupport.Run run = kforge(dir, "build", "--no-cache");
        assertThat(run.code()).as(run.err()).isEqualTo(1);
        var cells = cells(dir.resolve("out"));
        assertThat(cells.get("good/v6.1-checked/x86_64-gcc"))
                .containsEntry("status", "built")
                .containsEntry("symbols", "checked");
        assertThat(cells.get("ghost/v6.1-checked/x86_64-gcc")).containsEntry("status", "failed");
        assertThat((String) cells.get("ghost/v6.1-checked/x86_64-gcc").get("message"))
                .contains("\"kforge_no_kernel_exports_this\"")
                .contains("undefined");
    }
}
