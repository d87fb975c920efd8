package dev.kforge.cli;

import static dev.kforge.cli.ItSupport.cells;
import static dev.kforge.cli.ItSupport.kforge;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kbuild's own incremental build through kforge's kept build directories, on Debian's x86_64
 * headers with real make and gcc: what is recompiled is counted from the build log's CC lines.
 */
class IncrementalIT {

    /** Sources unique to this run: the IT cache is kept between runs, and these tests are about real builds. */
    static final String NONCE = "/* run " + System.nanoTime() + " */\n";

    static final Pattern COMPILED = Pattern.compile("(?m)^\\s*CC \\[M\\]\\s+\\S+/(part\\d+)\\.o$");

    @TempDir
    Path dir;

    Path ws;

    void workspace(String make) throws IOException {
        twelvePartDriver(ws, make);
    }

    /** A workspace of one driver of twelve objects (part1.c is the module's init) on Debian's amd64 headers. */
    static void twelvePartDriver(Path ws, String make) throws IOException {
        TestWorkspace t = new TestWorkspace(ws);
        StringBuilder kbuild = new StringBuilder("obj-m += many.o\nmany-y :=");
        for (int i = 1; i <= 12; i++) {
            kbuild.append(" part").append(i).append(".o");
            t.write("drivers/many/part" + i + ".c", part(i, ""));
        }
        t.write("drivers/many/Kbuild", kbuild + "\n");
        t.manifest("""
                [[kernel]]
                name = "debian"
                headers = "/usr/src/linux-headers-*-amd64"
                [[driver]]
                name = "many"
                path = "drivers/many"
                """ + make + """
                [[matrix]]
                arches = ["x86_64"]
                """);
    }

    static String part(int i, String extra) {
        String init = i == 1 ? """
                #include <linux/module.h>
                static int __init many_init(void) { return 0; }
                module_init(many_init);
                MODULE_LICENSE("GPL");
                """ : "";
        return NONCE + "#include <linux/kernel.h>\nint many_part" + i + "(void);\nint many_part" + i
                + "(void) { return " + i + extra + "; }\n" + init;
    }

    int compiled(String what) throws IOException {
        String log = Files.readString(ws.resolve("out/debian/x86_64-gcc/many/build.log"));
        Matcher m = COMPILED.matcher(log);
        int n = 0;
        while (m.find()) {
            n++;
        }
        assertThat(log).as(what).contains("# kforge: ");
        return n;
    }

    void build(String what) {
        ItSupport.Run r = kforge(ws, "build");
        assertThat(r.code()).as(what + ": " + r.err()).isZero();
        assertThat(cells(ws.resolve("out")).get("many/debian/x86_64-gcc").get("status"))
                .as(what)
                .isEqualTo("built");
    }

    @Test
    void oneChangedFileOfTwelveRecompilesOneObject() throws Exception {
        ws = dir.resolve("ws");
        workspace("");
        build("first build");
        assertThat(compiled("first build")).isEqualTo(12);
        byte[] first = Files.readAllBytes(ws.resolve("out/debian/x86_64-gcc/many/many.ko"));

        // One file's content changes; every other file is touched (a checkout) but keeps its content.
        Files.writeString(ws.resolve("drivers/many/part7.c"), part(7, " + 100"));
        FileTime later = FileTime.from(Instant.now().plusSeconds(30));
        for (int i = 1; i <= 12; i++) {
            if (i != 7) {
                Files.setLastModifiedTime(ws.resolve("drivers/many/part" + i + ".c"), later);
            }
        }
        build("one file changed");
        assertThat(compiled("one file changed")).isEqualTo(1);
        assertThat(Files.readString(ws.resolve("out/debian/x86_64-gcc/many/build.log")))
                .contains("build directory reused: 1 changed, 0 removed, 12 unchanged source files")
                .containsPattern("CC \\[M\\]\\s+\\S+/part7\\.o");
        assertThat(Files.readAllBytes(ws.resolve("out/debian/x86_64-gcc/many/many.ko")))
                .isNotEqualTo(first);

        // Changing it back is a cache hit: no make at all.
        Files.writeString(ws.resolve("drivers/many/part7.c"), part(7, ""));
        ItSupport.Run back = kforge(ws, "build");
        assertThat(back.code()).isZero();
        assertThat(back.out()).contains("1 cells: 0 built, 1 cached");
        assertThat(back.commands()).noneMatch(CacheIT::runsMake);
        assertThat(Files.readAllBytes(ws.resolve("out/debian/x86_64-gcc/many/many.ko")))
                .isEqualTo(first);

        // A removed source (and its Kbuild entry) is removed from the build directory.
        Files.delete(ws.resolve("drivers/many/part12.c"));
        Files.writeString(
                ws.resolve("drivers/many/Kbuild"),
                "obj-m += many.o\nmany-y :="
                        + String.join(
                                "",
                                IntStream.rangeClosed(1, 11)
                                        .mapToObj(i -> " part" + i + ".o")
                                        .toList()) + "\n");
        build("a file removed");
        assertThat(ws.resolve(".kforge/build/debian/x86_64-gcc/many/part12.c")).doesNotExist();
        // The cache hit above left the build directory as it was, so part7.c comes back too, with the Kbuild file.
        assertThat(Files.readString(ws.resolve("out/debian/x86_64-gcc/many/build.log")))
                .contains("2 changed, 1 removed");
        assertThat(compiled("a file removed")).isEqualTo(1);

        // The incrementally built module is the one a clean build makes.
        ItSupport.Run verify = kforge(ws, "verify");
        assertThat(verify.code()).as(verify.out() + verify.err()).isZero();
        byte[] incremental = Files.readAllBytes(ws.resolve("out/debian/x86_64-gcc/many/many.ko"));
        ItSupport.Run clean = kforge(ws, "build", "--no-cache");
        assertThat(clean.code()).isZero();
        assertThat(Files.readAllBytes(ws.resolve("out/debian/x86_64-gcc/many/many.ko")))
                .isEqualTo(incremental);
        // --no-cache builds from scratch: every object is compiled again.
        assertThat(compiled("--no-cache")).isEqualTo(11);
        assertThat(Files.readString(ws.resolve("out/debian/x86_64-gcc/many/build.log")))
                .contains("fresh build directory");
    }

    @Test
    void aChangedMakeVariableStartsTheCellClean() throws Exception {
        ws = dir.resolve("vars");
        workspace("[driver.make]\nMANY_LEVEL = \"1\"\n");
        build("first build");
        assertThat(compiled("first build")).isEqualTo(12);
        workspace("[driver.make]\nMANY_LEVEL = \"2\"\n");
        build("make variable changed");
        assertThat(compiled("make variable changed")).isEqualTo(12);
        assertThat(Files.readString(ws.resolve("out/debian/x86_64-gcc/many/build.log")))
                .contains("fresh build directory");
    }

    @Test
    void aModuleNoLongerInTheKbuildFileIsNotPublished() throws Exception {
        ws = dir.resolve("two");
        TestWorkspace t = new TestWorkspace(ws);
        String module = NONCE + """
                #include <linux/module.h>
                static int __init m_init(void) { return 0; }
                module_init(m_init);
                MODULE_LICENSE("GPL");
                """;
        t.write("drivers/two/first.c", module)
                .write("drivers/two/second.c", module)
                .write("drivers/two/Kbuild", "obj-m += first.o second.o\n")
                .manifest("""
                        [[kernel]]
                        name = "debian"
                        headers = "/usr/src/linux-headers-*-amd64"
                        [[driver]]
                        name = "two"
                        path = "drivers/two"
                        [[matrix]]
                        arches = ["x86_64"]
                        """);
        assertThat(kforge(ws, "build").code()).isZero();
        assertThat(ws.resolve("out/debian/x86_64-gcc/two/second.ko")).isRegularFile();
        t.write("drivers/two/Kbuild", "obj-m += first.o\n");
        assertThat(kforge(ws, "build").code()).isZero();
        assertThat(ws.resolve(".kforge/build/debian/x86_64-gcc/two/second.ko"))
                .isRegularFile(); // left by the earlier Kbuild file
        assertThat(ws.resolve("out/debian/x86_64-gcc/two/second.ko")).doesNotExist();
        assertThat(ws.resolve("out/debian/x86_64-gcc/two/first.ko")).isRegularFile();
        assertThat(Files.readString(ws.resolve("out/SHA256SUMS"))).doesNotContain("second.ko");
    }
}
