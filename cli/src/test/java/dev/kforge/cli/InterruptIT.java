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

/** Ctrl-C on the real launcher in the middle of a real Kbuild run. */
class InterruptIT {

    @TempDir
    Path dir;

    @Test
    void sigintKillsEveryChildProcessAndExits130() throws Exception {
        // Kbuild evaluates $(shell ...) while parsing: make -> make -> sh -> sleep, a real process tree.
        new TestWorkspace(dir)
                .write("drivers/slow/Kbuild", "obj-m += slow.o\n$(shell sleep 300)\n")
                .write("drivers/slow/slow.c", "#include <linux/module.h>\nMODULE_LICENSE(\"GPL\");\n")
                .manifest("""
                        [[kernel]]
                        name = "debian"
                        headers = "/usr/src/linux-headers-*-amd64"
                        [[driver]]
                        name = "slow"
                        path = "drivers/slow"
                        [[matrix]]
                        arches = ["x86_64"]
                        """);
        assertThat(ItSupport.launcher()).isExecutable();
        Process p = new ProcessBuilder(ItSupport.signalledLauncher("build"))
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("kforge.log").toFile())
                .start();
        List<ProcessHandle> seen = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            seen = p.descendants().toList();
            if (seen.stream().anyMatch(h -> h.info().command().orElse("").endsWith("sleep"))) {
                break;
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        assertThat(seen)
                .as("make started")
                .anyMatch(h -> h.info().command().orElse("").endsWith("make"));
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(15, TimeUnit.SECONDS))
                .as("kforge exits after SIGINT")
                .isTrue();
        assertThat(p.exitValue()).isEqualTo(130);
        TimeUnit.MILLISECONDS.sleep(200);
        ReliabilityIT.assertGone(seen);
        assertThat(Files.exists(dir.resolve("out/debian/x86_64-gcc/slow"))).isFalse();
    }
}
