package dev.kforge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** -q and -v through the real launcher: -q silences INFO lines such as "extracting ...", -v adds debug lines. */
class LoggingIT {

    @TempDir
    Path dir;

    record Launched(int code, String out, String err) {}

    /** A kernel source tarball as small as inspection allows, so every run extracts it into a fresh cache. */
    Path workspace() throws Exception {
        Path src = dir.resolve("src/linux-9.9");
        new TestWorkspace(src.getParent())
                .write("linux-9.9/Makefile", "VERSION = 9\nPATCHLEVEL = 9\nSUBLEVEL = 0\nEXTRAVERSION =\n")
                .write("linux-9.9/arch/x86/Kconfig", "config X86\n");
        Path tarball = dir.resolve("linux-source-9.9.tar.xz");
        Process tar = new ProcessBuilder(
                        "tar", "-cJf", tarball.toString(), "-C", src.getParent().toString(), "linux-9.9")
                .inheritIO()
                .start();
        assertThat(tar.waitFor()).isZero();
        Path ws = dir.resolve("ws");
        new TestWorkspace(ws).cDriver("drivers/hello").manifest("""
                [[kernel]]
                name = "k"
                source = "%s"
                [[driver]]
                name = "hello"
                path = "drivers/hello"
                [[matrix]]
                arches = ["x86_64"]
                """.formatted(tarball));
        return ws;
    }

    Launched launch(Path ws, String cache, String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of(ItSupport.launcher().toString()));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).directory(ws.toFile());
        pb.environment().put("KFORGE_CACHE_DIR", dir.resolve(cache).toString());
        pb.redirectOutput(dir.resolve(cache + ".out").toFile())
                .redirectError(dir.resolve(cache + ".err").toFile());
        Process p = pb.start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Launched(
                p.exitValue(),
                Files.readString(dir.resolve(cache + ".out")),
                Files.readString(dir.resolve(cache + ".err")));
    }

    @Test
    void quietSilencesInfoAndVerboseShowsDebug() throws Exception {
        Path ws = workspace();
        Launched normal = launch(ws, "c1", "plan", "--format", "text");
        assertThat(normal.code()).as(normal.err()).isZero();
        assertThat(normal.err()).contains("extracting ").doesNotContain("DEBUG");

        Launched quiet = launch(ws, "c2", "-q", "plan", "--format", "text");
        assertThat(quiet.code()).as(quiet.err()).isZero();
        assertThat(quiet.err()).doesNotContain("extracting").doesNotContain("INFO");
        assertThat(quiet.out()).isEqualTo(normal.out());

        Launched verbose = launch(ws, "c3", "plan", "-v", "--format", "text");
        assertThat(verbose.code()).as(verbose.err()).isZero();
        assertThat(verbose.err()).contains("extracting ").contains("DEBUG").contains("tar -xf");
    }
}
