package dev.kforge.cli;

import static dev.kforge.cli.ItSupport.cells;
import static dev.kforge.cli.ItSupport.kforge;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kforge test against the real thing: Debian's amd64 kernel image (fetched by kforge), Debian's
 * busybox-static, real QEMU. Drivers that load, oops, lack a symbol, hang, need a kernel module, and
 * whose test scripts pass or fail; the reports and the exit code agree; a cached re-run boots nothing.
 */
class QemuIT {

    @TempDir
    static Path dir;

    static ItSupport.Run first;

    /** The first run's results, read before any test re-runs kforge. */
    static Map<String, Map<String, Object>> firstCells;

    static Map<String, Object> firstSummary;

    static final String HELLO = """
            // SPDX-License-Identifier: GPL-2.0
            #include <linux/module.h>
            static int greeting = 1;
            module_param(greeting, int, 0444);
            static int __init hello_init(void)
            {
            	pr_info("kforge-hello: init, greeting %d\\n", greeting);
            	return 0;
            }
            static void __exit hello_exit(void)
            {
            	pr_info("kforge-hello: exit\\n");
            }
            module_init(hello_init);
            module_exit(hello_exit);
            MODULE_LICENSE("GPL");
            """;

    static final String OOPS = """
            // SPDX-License-Identifier: GPL-2.0
            #include <linux/module.h>
            static int __init oops_init(void)
            {
            	*(volatile int *)0 = 1;
            	return 0;
            }
            module_init(oops_init);
            MODULE_LICENSE("GPL");
            """;

    static final String GHOST = """
            // SPDX-License-Identifier: GPL-2.0
            #include <linux/module.h>
            void kforge_no_kernel_exports_this(void);
            static int __init ghost_init(void)
            {
            	kforge_no_kernel_exports_this();
            	return 0;
            }
            module_init(ghost_init);
            MODULE_LICENSE("GPL");
            """;

    static final String HANG = """
            // SPDX-License-Identifier: GPL-2.0
            #include <linux/module.h>
            #include <linux/delay.h>
            static int __init hang_init(void)
            {
            	ssleep(3600);
            	return 0;
            }
            module_init(hang_init);
            MODULE_LICENSE("GPL");
            """;

    /** Uses crc_itu_t, which Debian builds as a module (crc-itu-t.ko): the guest must load it first. */
    static final String CRC = """
            // SPDX-License-Identifier: GPL-2.0
            #include <linux/module.h>
            #include <linux/crc-itu-t.h>
            static int __init crc_init(void)
            {
            	static const u8 data[] = "kforge";
            	pr_info("kforge-crc: %04x\\n", crc_itu_t(0, data, 6));
            	return 0;
            }
            static void __exit crc_exit(void) {}
            module_init(crc_init);
            module_exit(crc_exit);
            MODULE_LICENSE("GPL");
            """;

    @BeforeAll
    static void testEverything() {
        new TestWorkspace(dir)
                .write("drivers/hello/Kbuild", "obj-m += hello.o\n")
                .write("drivers/hello/hello.c", HELLO)
                .write(
                        "drivers/hello/tests/params.sh",
                        "cat /sys/module/hello/parameters/greeting\n"
                                + "test \"$(cat /sys/module/hello/parameters/greeting)\" = 7\n")
                .write("drivers/scripted/Kbuild", "obj-m += scripted.o\n")
                .write("drivers/scripted/scripted.c", HELLO.replace("hello", "scripted"))
                .write("drivers/scripted/tests/fails.sh", "echo 'the device answered nothing'\nexit 3\n")
                .write("drivers/oops/Kbuild", "obj-m += oops.o\n")
                .write("drivers/oops/oops.c", OOPS)
                .write("drivers/ghost/Kbuild", "obj-m += ghost.o\n")
                .write("drivers/ghost/ghost.c", GHOST)
                .write("drivers/hang/Kbuild", "obj-m += hang.o\n")
                .write("drivers/hang/hang.c", HANG)
                .write("drivers/crc/Kbuild", "obj-m += crc.o\n")
                .write("drivers/crc/crc.c", CRC)
                .manifest("""
                        [[kernel]]
                        name = "bookworm"
                        debian = "latest"
                        [[kernel]]
                        name = "headers"
                        headers = "/usr/src/linux-headers-*-amd64"
                        [[driver]]
                        name = "hello"
                        path = "drivers/hello"
                        [driver.test]
                        script = "drivers/hello/tests/params.sh"
                        params = "greeting=7"
                        [[driver]]
                        name = "scripted"
                        path = "drivers/scripted"
                        [driver.test]
                        script = "drivers/scripted/tests/fails.sh"
                        [[driver]]
                        name = "oops"
                        path = "drivers/oops"
                        [[driver]]
                        name = "ghost"
                        path = "drivers/ghost"
                        # modpost would refuse the build; let it through so the kernel refuses the module
                        [driver.make]
                        KBUILD_MODPOST_WARN = "1"
                        [[driver]]
                        name = "hang"
                        path = "drivers/hang"
                        [driver.test]
                        timeout = 20
                        [[driver]]
                        name = "crc"
                        path = "drivers/crc"
                        [[matrix]]
                        kernels = ["bookworm"]
                        arches = ["x86_64"]
                        [[matrix]]
                        drivers = ["hello"]
                        kernels = ["headers"]
                        arches = ["x86_64"]
                        """);
        first = kforge(
                dir,
                "test",
                "--no-cache",
                "--junit",
                "junit.xml"); // real builds and boots, whatever earlier runs cached
        firstCells = cells(dir.resolve("out"));
        @SuppressWarnings("unchecked")
        Map<String, Object> summary = (Map<String, Object>)
                ItSupport.json(dir.resolve("out/kforge-results.json")).get("summary");
        firstSummary = summary;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> test(String cell) {
        return (Map<String, Object>) firstCells.get(cell).get("test");
    }

    static String log(String driver) throws Exception {
        return Files.readString(dir.resolve("out/bookworm/x86_64-gcc/" + driver + "/test.log"));
    }

    @Test
    void aDriverLoadsWithItsParametersItsScriptPassesAndItUnloads() throws Exception {
        assertThat(test("hello/bookworm/x86_64-gcc")).as(first.err()).containsEntry("status", "passed");
        String log = log("hello");
        assertThat(log)
                .contains("kforge-hello: init, greeting 7")
                .contains("kforge-hello: exit")
                .contains("KFORGE-SCRIPT 0")
                .contains("KFORGE-RMMOD hello 0");
        assertThat(first.out()).containsPattern("hello/bookworm/x86_64-gcc\\s+built\\s+\\S+\\s+\\d+\\s+passed");
    }

    @Test
    void aModuleTheDriverNeedsIsLoadedFromTheKernelsOwnModulesFirst() throws Exception {
        assertThat(test("crc/bookworm/x86_64-gcc")).as(first.err()).containsEntry("status", "passed");
        String log = log("crc");
        assertThat(log.indexOf("KFORGE-INSMOD crc_itu_t 0"))
                .isPositive()
                .isLessThan(log.indexOf("KFORGE-INSMOD crc 0"));
        assertThat(log).containsPattern("kforge-crc: [0-9a-f]{4}");
    }

    @Test
    void anOopsInInitFailsTheCellWithTheOopsInTheReport() throws Exception {
        Map<String, Object> t = test("oops/bookworm/x86_64-gcc");
        assertThat(t).containsEntry("status", "failed");
        assertThat((String) t.get("message")).containsAnyOf("BUG:", "Oops");
        assertThat((String) t.get("kernelMessages")).contains("Call Trace");
        assertThat(log("oops")).contains("oops_init");
        assertThat(Files.readString(dir.resolve("junit.xml")))
                .contains("classname=\"oops.test\"")
                .containsPattern("(?s)<failure type=\"failed\" message=\"[^\"]*(BUG:|Oops)[^\"]*\">.*Call Trace");
    }

    @Test
    void anUnknownSymbolFailsAtInsmodWithTheKernelsMessage() {
        Map<String, Object> t = test("ghost/bookworm/x86_64-gcc");
        assertThat(t).containsEntry("status", "failed");
        assertThat((String) t.get("message"))
                .startsWith("insmod ghost failed")
                .contains("Unknown symbol kforge_no_kernel_exports_this");
    }

    @Test
    void aGuestThatHangsTimesOutAndLeavesNoProcess() {
        Map<String, Object> t = test("hang/bookworm/x86_64-gcc");
        assertThat(t).containsEntry("status", "timed-out").containsEntry("error", true);
        assertThat((String) t.get("message"))
                .contains("did not finish within 20 s")
                .contains("insmod hang");
        List<String> left = ProcessHandle.allProcesses()
                .map(p -> p.info().commandLine().orElse(""))
                .filter(c -> c.contains("qemu-system") && c.contains(dir.toString()))
                .toList();
        assertThat(left).isEmpty();
    }

    @Test
    void aFailingTestScriptFailsTheCell() throws Exception {
        Map<String, Object> t = test("scripted/bookworm/x86_64-gcc");
        assertThat(t).containsEntry("status", "failed").containsEntry("message", "test script exited 3");
        assertThat(log("scripted")).contains("the device answered nothing").contains("KFORGE-RMMOD scripted 0");
    }

    @Test
    @SuppressWarnings("unchecked") // the results JSON's tables
    void summaryResultsJunitAndExitCodeAgree() throws Exception {
        assertThat(first.code()).as(first.err()).isEqualTo(1);
        // Four failed tests (oops, ghost, scripted, hang), two passed; the headers kernel cannot boot.
        assertThat(first.out())
                .contains("7 cells: 7 built, 0 cached, 0 failed, 0 skipped; 7 tests: 2 passed, 4 failed, 1 skipped");
        Map<String, Object> summary = firstSummary;
        assertThat(summary).containsEntry("failedSteps", 4);
        assertThat((Map<String, Object>) summary.get("tests"))
                .containsEntry("passed", 2)
                .containsEntry("failed", 3)
                .containsEntry("timed-out", 1)
                .containsEntry("skipped", 1);
        assertThat((String) test("hello/headers/x86_64-gcc").get("message")).contains("has no kernel image to boot");
        String junit = Files.readString(dir.resolve("junit.xml"));
        assertThat(junit).contains("failures=\"3\" errors=\"1\"");
        assertThat(first.err()).contains("FAILED test/ghost/bookworm/x86_64-gcc: insmod ghost failed");
    }

    @Test
    void aCachedRerunBootsNothing() {
        ItSupport.Run again = kforge(dir, "test", "hello/bookworm/*", "crc/**");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.commands())
                .noneMatch(c -> c.get(0).startsWith("qemu-system") || c.get(0).equals("make"));
        assertThat(again.out())
                .contains("2 cells: 0 built, 2 cached, 0 failed, 0 skipped; 2 tests: 2 cached, 0 failed");
        @SuppressWarnings("unchecked")
        Map<String, Object> t = (Map<String, Object>)
                cells(dir.resolve("out")).get("hello/bookworm/x86_64-gcc").get("test");
        assertThat(t).containsEntry("status", "cached");
        assertThat((String) t.get("kernelMessages")).contains("kforge-hello: init, greeting 7");
    }

    /** SIGTERM to a kforge whose guest hangs: kforge exits 143 within 5 s, QEMU with it, and no console is left half-written. */
    @Test
    void sigtermWhileAGuestRunsLeavesNoQemuBehind() throws Exception {
        Path ws = dir.resolve("term");
        new TestWorkspace(ws)
                .write("drivers/hang/Kbuild", "obj-m += hang.o\n")
                .write("drivers/hang/hang.c", HANG)
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
        ProcessBuilder pb = new ProcessBuilder(ItSupport.launcher().toString(), "test")
                .directory(ws.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ws.resolve("kforge.log").toFile());
        pb.environment().put("CI", "true");
        pb.environment().put("KFORGE_CACHE_DIR", ItSupport.itCache().toString());
        Process p = pb.start();
        List<ProcessHandle> seen = List.of();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline
                && seen.stream()
                        .noneMatch(h -> h.info().commandLine().orElse("").contains("qemu-system"))) {
            seen = p.descendants().toList();
            Thread.sleep(100);
        }
        assertThat(seen)
                .as(Files.readString(ws.resolve("kforge.log")))
                .anyMatch(h -> h.info().commandLine().orElse("").contains("qemu-system"));
        Thread.sleep(2000); // the guest is booting or sleeping in insmod
        new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
        assertThat(p.waitFor(5, TimeUnit.SECONDS)).as("exits within 5 s").isTrue();
        assertThat(p.exitValue()).isEqualTo(143);
        for (ProcessHandle h : seen) {
            assertThat(ReliabilityIT.running(h.pid()))
                    .as(
                            "process %d (%s) is gone",
                            h.pid(), h.info().commandLine().orElse("?"))
                    .isFalse();
        }
        ReliabilityIT.assertNoTemporaries(ws.resolve("out"));
    }

    /** After sharded test runs, gather --test restores the passing tests; a failed one was never stored and is missing. */
    @Test
    void gatherRestoresPassingTestsAndCountsTheFailedOnesMissing() throws Exception {
        ItSupport.Run gather = kforge(dir, "gather", "--test");
        assertThat(gather.code()).as(gather.err()).isEqualTo(1);
        assertThat(gather.out())
                .contains("7 cells: 7 gathered, 0 missing, 0 skipped; 7 tests: 2 gathered, 4 missing, 1 skipped");
        assertThat(gather.err()).contains("missing test/oops/bookworm/x86_64-gcc");
        assertThat(gather.commands())
                .noneMatch(c -> c.get(0).startsWith("qemu-system") || c.get(0).equals("make"));
        assertThat(Files.readString(dir.resolve("out/bookworm/x86_64-gcc/hello/test.log")))
                .contains("kforge-hello: init, greeting 7");
    }

    @Test
    void explainPrintsTheQemuCommandLine() {
        ItSupport.Run explain = kforge(dir, "explain", "--test", "--only-cell", "hello/bookworm/x86_64-gcc");
        assertThat(explain.code()).as(explain.err()).isZero();
        assertThat(explain.out())
                .containsPattern("qemu-system-x86_64 -M pc -cpu max -m 512 -smp 1 -accel (kvm|tcg) -nographic")
                .contains("vmlinuz-")
                .contains("initramfs.cpio.gz")
                .contains("console=ttyS0")
                // What the initramfs is made of, for a test reproduced by hand (PackageIT boots with them).
                .containsPattern("\\n# guest busybox: \\S+/bin/busybox\\n")
                .containsPattern("\\n# kernel modules: \\S+/lib/modules\\n");
    }
}
