package dev.kforge.cli;

import static dev.kforge.cli.ItSupport.cells;
import static dev.kforge.cli.ItSupport.kforge;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import java.nio.file.Files;
import java.nio.file.Path;
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
            assertThat(broken.get("diagnostics").toString()).contains("file=drivers/broken/broken.c", "line=5", "severity=error");
            assertThat(dir.resolve("out/" + k + "/x86_64-gcc/broken/build.log")).isRegularFile();
            assertThat(dir.resolve("out/" + k + "/x86_64-gcc/broken/broken.ko")).doesNotExist();
            assertThat(cells.get("good/" + k + "/x86_64-gcc")).containsEntry("status", "built");
            assertThat(dir.resolve("out/" + k + "/x86_64-gcc/good/good.ko")).isRegularFile();
        }
        assertThat(cells.get("needs/debian/x86_64-gcc")).containsEntry("status", "skipped")
                .containsEntry("message", "kernel 'debian' lacks CONFIG_KFORGE_NO_SUCH_OPTION");
        assertThat(cells.get("needs/v6.1/x86_64-gcc")).containsEntry("status", "skipped")
                .containsEntry("message", "kernel tree lacks CONFIG_KFORGE_NO_SUCH_OPTION");
        assertThat(run.err()).contains("FAILED broken/v6.1/x86_64-gcc: drivers/broken/broken.c:5:")
                .contains("log: " + dir.resolve("out/v6.1/x86_64-gcc/broken/build.log"));
        assertThat(Files.readString(dir.resolve("junit.xml"))).contains("failures=\"2\"").contains("<failure type=\"failed\"");
        // Nothing half-written is left next to the published cells.
        try (var s = Files.walk(dir.resolve("out"))) {
            assertThat(s.filter(p -> p.getFileName().toString().contains(".tmp-")).toList()).isEmpty();
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
}
