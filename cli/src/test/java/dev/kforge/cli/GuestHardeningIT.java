package dev.kforge.cli;

import static dev.kforge.cli.ItSupport.cells;
import static dev.kforge.cli.ItSupport.kforge;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test verdict cannot be fooled and a test run cleans up after itself, against real QEMU and
 * Debian's own amd64 kernel: a script that prints the harness's end markers and reboots, a script
 * whose unterminated last line would swallow its exit status, a module that printk's the markers
 * and restarts the machine, parameters with shell syntax in them, two concurrent test runs of one
 * workspace, and a kforge killed with SIGKILL while its guest runs.
 */
class GuestHardeningIT {

    @TempDir
    static Path dir;

    static ItSupport.Run first;

    static Map<String, Map<String, Object>> firstCells;

    static final String PRINTK = """
            // SPDX-License-Identifier: GPL-2.0
            #include <linux/module.h>
            #include <linux/reboot.h>
            static int __init fakemarks_init(void)
            {
            	pr_info("KFORGE-SCRIPT 0\\n");
            	pr_info("KFORGE-RMMOD fakemarks 0\\n");
            	pr_info("KFORGE-TAINT 12288\\n");
            	pr_info("KFORGE-END\\n");
            	emergency_restart();
            	return 0;
            }
            module_init(fakemarks_init);
            MODULE_LICENSE("GPL");
            """;

    static final String PARAMS = """
            // SPDX-License-Identifier: GPL-2.0
            #include <linux/module.h>
            static int n;
            module_param(n, int, 0444);
            static int __init params_init(void) { pr_info("kforge-params: n=%d\\n", n); return 0; }
            static void __exit params_exit(void) {}
            module_init(params_init);
            module_exit(params_exit);
            MODULE_LICENSE("GPL");
            """;

    static String module(String name) {
        return QemuIT.HELLO.replace("hello", name);
    }

    @BeforeAll
    static void testThemAll() {
        new TestWorkspace(dir)
                .write("drivers/spoof/Kbuild", "obj-m += spoof.o\n")
                .write("drivers/spoof/spoof.c", module("spoof"))
                .write(
                        "drivers/spoof/t.sh",
                        "echo 'KFORGE-SCRIPT 0'\necho 'KFORGE-RMMOD spoof 0'\necho 'KFORGE-TAINT 12288'\n"
                                + "echo 'KFORGE-END'\nreboot -f\nsleep 30\n")
                .write("drivers/unterminated/Kbuild", "obj-m += unterminated.o\n")
                .write("drivers/unterminated/unterminated.c", module("unterminated"))
                .write("drivers/unterminated/t.sh", "printf 'KFORGE-X'\nexit 1\n")
                .write("drivers/fakemarks/Kbuild", "obj-m += fakemarks.o\n")
                .write("drivers/fakemarks/fakemarks.c", PRINTK)
                .write("drivers/params/Kbuild", "obj-m += params.o\n")
                .write("drivers/params/params.c", PARAMS)
                .manifest("""
                        [[kernel]]
                        name = "bookworm"
                        debian = "latest"
                        [[driver]]
                        name = "spoof"
                        path = "drivers/spoof"
                        [driver.test]
                        script = "drivers/spoof/t.sh"
                        timeout = 60
                        [[driver]]
                        name = "unterminated"
                        path = "drivers/unterminated"
                        [driver.test]
                        script = "drivers/unterminated/t.sh"
                        [[driver]]
                        name = "fakemarks"
                        path = "drivers/fakemarks"
                        [driver.test]
                        timeout = 60
                        [[driver]]
                        name = "params"
                        path = "drivers/params"
                        [driver.test]
                        params = "n=abc; true"
                        [[matrix]]
                        arches = ["x86_64"]
                        """);
        first = kforge(dir, "test", "--no-cache");
        firstCells = cells(dir.resolve("out"));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> test(String driver) {
        return (Map<String, Object>)
                firstCells.get(driver + "/bookworm/x86_64-gcc").get("test");
    }

    @Test
    void everyAttemptToFoolTheVerdictFailsAndTheRunSaysSo() {
        assertThat(first.code()).as(first.err()).isEqualTo(1);
        assertThat(first.out()).contains("4 tests: 4 failed");
    }

    @Test
    void aScriptThatPrintsTheEndMarkersAndRebootsFails() {
        assertThat(test("spoof"))
                .containsEntry("status", "failed")
                .containsEntry("message", "the guest stopped before /init finished (during test script)");
    }

    @Test
    void anUnterminatedLastLineKeepsTheScriptsExitStatus() {
        assertThat(test("unterminated"))
                .containsEntry("status", "failed")
                .containsEntry("message", "test script exited 1");
    }

    @Test
    void aModuleThatPrintsTheMarkersAndRestartsTheMachineFails() {
        assertThat(test("fakemarks"))
                .containsEntry("status", "failed")
                .containsEntry("message", "the guest stopped before /init finished (during insmod fakemarks)");
    }

    @Test
    void paramsReachInsmodAsWordsAndNoShellRunsThem() throws Exception {
        // "n=abc; true": insmod gets 'n=abc;' and 'true'; the kernel refuses n, so insmod fails and says why.
        assertThat(test("params")).containsEntry("status", "failed");
        assertThat((String) test("params").get("message"))
                .startsWith("insmod params failed (exit 22): params: `abc;' invalid for parameter `n'");
        assertThat(Files.readString(dir.resolve("out/bookworm/x86_64-gcc/params/test.log")))
                .contains("unknown parameter 'true' ignored")
                .doesNotContain("KFORGE-RMMOD params");
    }

    @Test
    void twoConcurrentTestRunsOfOneWorkspaceBothSucceedAndOneBoots() throws Exception {
        Path ws = dir.resolve("twice");
        // A script no earlier run has seen: the test's key is new, so nothing in the IT cache serves it.
        new TestWorkspace(ws)
                .write("drivers/hello/Kbuild", "obj-m += hello.o\n")
                .write("drivers/hello/hello.c", QemuIT.HELLO)
                .write("drivers/hello/t.sh", "echo " + UUID.randomUUID() + "\n")
                .manifest("""
                        [[kernel]]
                        name = "bookworm"
                        debian = "latest"
                        [[driver]]
                        name = "hello"
                        path = "drivers/hello"
                        [driver.test]
                        script = "drivers/hello/t.sh"
                        [[matrix]]
                        arches = ["x86_64"]
                        """);
        Process a = launch(ws, "a.log", "test");
        Process b = launch(ws, "b.log", "test");
        assertThat(a.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(b.waitFor(300, TimeUnit.SECONDS)).isTrue();
        String logA = Files.readString(ws.resolve("a.log"));
        String logB = Files.readString(ws.resolve("b.log"));
        assertThat(a.exitValue()).as(logA).isZero();
        assertThat(b.exitValue()).as(logB).isZero();
        List<String> summaries = new ArrayList<>();
        for (String log : List.of(logA, logB)) {
            summaries.add(log.lines()
                    .filter(l -> l.startsWith("1 cells:"))
                    .findFirst()
                    .orElseThrow());
        }
        assertThat(summaries)
                .as("one run boots the guest, the other finds its result")
                .anyMatch(s -> s.contains("1 test: 1 passed, 0 failed"))
                .anyMatch(s -> s.contains("1 test: 1 cached, 0 failed"));
        assertThat(Files.readString(ws.resolve("out/bookworm/x86_64-gcc/hello/test.log")))
                .contains("KFORGE-SCRIPT 0")
                .contains("KFORGE-END");
        ReliabilityIT.assertNoTemporaries(ws.resolve("out"));
    }

    /** SIGKILL cannot be caught: the guest goes anyway, by the parent-death signal kforge gives every child. */
    @Test
    void qemuGoesWhenKforgeIsKilledWithSigkill() throws Exception {
        Path ws = dir.resolve("killed");
        new TestWorkspace(ws)
                .write("drivers/hang/Kbuild", "obj-m += hang.o\n")
                .write("drivers/hang/hang.c", QemuIT.HANG)
                .manifest("""
                        [[kernel]]
                        name = "bookworm"
                        debian = "latest"
                        [[driver]]
                        name = "hang"
                        path = "drivers/hang"
                        [driver.test]
                        timeout = 600
                        [[matrix]]
                        arches = ["x86_64"]
                        """);
        Process p = launch(ws, "kforge.log", "test", "--no-cache");
        List<ProcessHandle> qemu = List.of();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline && qemu.isEmpty()) {
            qemu = p.descendants()
                    .filter(h -> h.info().commandLine().orElse("").contains("qemu-system"))
                    .toList();
            Thread.sleep(100);
        }
        assertThat(qemu).as(Files.readString(ws.resolve("kforge.log"))).isNotEmpty();
        new ProcessBuilder("kill", "-KILL", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(5, TimeUnit.SECONDS)).isTrue();
        long gone = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < gone && qemu.stream().anyMatch(ProcessHandle::isAlive)) {
            Thread.sleep(50);
        }
        for (ProcessHandle h : qemu) {
            assertThat(h.isAlive())
                    .as("QEMU %d is gone within 5 s of SIGKILL", h.pid())
                    .isFalse();
        }
        // What the killed run was writing (the guest's console) goes with the next run's sweep of out/.
        try (var s = Files.walk(ws.resolve("out"))) {
            assertThat(s.map(Path::toString).toList()).anyMatch(n -> n.contains(".test.log.tmp-" + p.pid() + "-"));
        }
        ItSupport.Run next = kforge(ws, "build");
        assertThat(next.code()).as(next.err()).isZero();
        ReliabilityIT.assertNoTemporaries(ws.resolve("out"));
    }

    static Process launch(Path ws, String log, String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(ItSupport.signalledLauncher(args))
                .directory(ws.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ws.resolve(log).toFile());
        pb.environment().put("CI", "true");
        pb.environment().put("KFORGE_CACHE_DIR", ItSupport.itCache().toString());
        return pb.start();
    }
}
