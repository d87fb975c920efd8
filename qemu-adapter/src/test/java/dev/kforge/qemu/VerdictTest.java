package dev.kforge.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerdictTest {

    static final String NONCE = "0123456789abcdef0123456789abcdef";

    /** Judges a console written with bare markers, as /init prints them with this boot's nonce. */
    static Verdict judge(String console, List<String> modules, boolean script, boolean timedOut, long timeout) {
        return Verdict.judge(
                console.replaceAll("KFORGE-(?=[A-Z])", "@" + NONCE + " KFORGE-"),
                modules,
                script,
                timedOut,
                timeout,
                NONCE);
    }

    static final String BOOT = "SeaBIOS\nBooting from ROM...\n";

    static String run(String body) {
        return BOOT + "KFORGE-BEGIN 6.1.0-56-amd64 taint=0\n" + body;
    }

    static final String PASS = run("""
            KFORGE-LOAD kf_core
            [    1.90] kf_core: loading out-of-tree module taints kernel.
            [    1.91] kf_core 6 loaded
            KFORGE-INSMOD kf_core 0
            KFORGE-RMMOD kf_core 0
            KFORGE-TAINT 12288
            KFORGE-END
            [    2.10] reboot: Restarting system
            """);

    @Test
    void aCleanLoadAndUnloadPassesAndKeepsTheKernelsMessages() {
        Verdict v = judge(PASS, List.of("kf_core"), false, false, 120);
        assertThat(v.passed()).isTrue();
        assertThat(v.message()).isEqualTo("loaded kf_core, unloaded");
        assertThat(v.kernelMessages()).contains("[    1.91] kf_core 6 loaded").doesNotContain("Booting from ROM...");
    }

    @Test
    void anOopsFailsWithItsLineEvenWhenInsmodReturns() {
        Verdict v = judge(run("""
                KFORGE-LOAD oops
                [    2.01] BUG: kernel NULL pointer dereference, address: 0000000000000000
                [    2.02] Oops: 0002 [#1] PREEMPT SMP NOPTI
                [    2.03] Call Trace:
                KFORGE-INSMOD oops 139
                KFORGE-TAINT 12416
                KFORGE-END
                """), List.of("oops"), false, false, 120);
        assertThat(v.passed()).isFalse();
        assertThat(v.message()).isEqualTo("kernel: BUG: kernel NULL pointer dereference, address: 0000000000000000");
        assertThat(v.problems())
                .extracting(Verdict.Problem::message)
                .contains("kernel: Call Trace:")
                .anyMatch(m -> m.startsWith("insmod oops failed (exit 139)"))
                .contains("kernel tainted D (12416)");
        assertThat(v.problems().get(0).line()).isEqualTo(5);
    }

    @Test
    void aRefusedModuleNamesWhatTheKernelSaid() {
        Verdict v = judge(run("""
                KFORGE-LOAD ghost
                [    2.0] ghost: Unknown symbol kforge_missing (err -2)
                insmod: can't insert '/kforge/modules/00-ghost.ko': unknown symbol in module, or unknown parameter
                KFORGE-INSMOD ghost 1
                KFORGE-TAINT 0
                KFORGE-END
                """), List.of("ghost"), false, false, 120);
        assertThat(v.passed()).isFalse();
        assertThat(v.message())
                .startsWith("insmod ghost failed (exit 1): ghost: Unknown symbol kforge_missing (err -2); insmod:");
    }

    /** Seen in CI: the TSC's calibration printed while insmod ran; the message names what concerns the module. */
    @Test
    void aRefusedModulesMessageLeavesOutWhatTheBootPrintedMeanwhile() {
        Verdict v = judge(run("""
                KFORGE-LOAD params
                [    1.9] tsc: Refined TSC clocksource calibration: 2599.974 MHz
                [    1.9] params: `abc;' invalid for parameter `n'
                [    1.9] clocksource: Switched to clocksource tsc
                [    1.9] params: unknown parameter 'true' ignored
                insmod: can't insert '/kforge/modules/00-params.ko': Invalid argument
                KFORGE-INSMOD params 22
                KFORGE-TAINT 0
                KFORGE-END
                """), List.of("params"), false, false, 120);
        assertThat(v.message())
                .isEqualTo("insmod params failed (exit 22): params: `abc;' invalid for parameter `n'; params: unknown"
                        + " parameter 'true' ignored; insmod: can't insert '/kforge/modules/00-params.ko': Invalid"
                        + " argument");
        // With no line naming the module, everything the kernel said stays.
        Verdict plain = judge(run("""
                KFORGE-LOAD quiet
                [    1.9] some: other message
                KFORGE-INSMOD quiet 1
                KFORGE-TAINT 0
                KFORGE-END
                """), List.of("quiet"), false, false, 120);
        assertThat(plain.message()).isEqualTo("insmod quiet failed (exit 1): some: other message");
    }

    @Test
    void aWarningOrAnUnexpectedTaintFails() {
        Verdict warn = judge(
                PASS.replace("KFORGE-RMMOD", "[ 2.0] WARNING: CPU: 0 PID: 1 at drivers/x.c:10\nKFORGE-RMMOD"),
                List.of("kf_core"),
                false,
                false,
                120);
        assertThat(warn.passed()).isFalse();
        assertThat(warn.message()).startsWith("kernel: WARNING: CPU: 0");
        Verdict taint = judge(
                PASS.replace("KFORGE-TAINT 12288", "KFORGE-TAINT " + (12288 + 512 + 1)),
                List.of("kf_core"),
                false,
                false,
                120);
        assertThat(taint.message()).isEqualTo("kernel tainted P, W (12801)");
    }

    @Test
    void scriptFailuresRmmodFailuresTimeoutsAndBootFailuresAreNamed() {
        assertThat(judge(
                                PASS.replace("KFORGE-RMMOD", "KFORGE-SCRIPT-BEGIN\nKFORGE-SCRIPT 3\nKFORGE-RMMOD"),
                                List.of("kf_core"),
                                true,
                                false,
                                120)
                        .message())
                .isEqualTo("test script exited 3");
        assertThat(judge(
                                PASS.replace("KFORGE-RMMOD kf_core 0", "KFORGE-RMMOD kf_core 1"),
                                List.of("kf_core"),
                                false,
                                false,
                                120)
                        .message())
                .startsWith("rmmod kf_core failed (exit 1)");
        assertThat(judge(run("KFORGE-LOAD hang\n"), List.of("hang"), false, true, 20)
                        .message())
                .isEqualTo("the guest did not finish within 20 s (during insmod hang)");
        assertThat(judge(
                                BOOT + "Kernel panic - not syncing: VFS: Unable to mount root fs\n",
                                List.of("x"),
                                false,
                                false,
                                20)
                        .message())
                .startsWith(
                        "the kernel did not reach /init; last console lines: SeaBIOS | Booting from ROM... | Kernel panic");
        assertThat(judge(
                                run("KFORGE-LOAD x\n[ 1.0] Kernel panic - not syncing: Fatal exception\n"),
                                List.of("x"),
                                false,
                                false,
                                20)
                        .problems())
                .extracting(Verdict.Problem::message)
                .containsExactly(
                        "kernel: Kernel panic - not syncing: Fatal exception",
                        "the guest stopped before /init finished (during insmod x)");
    }

    @Test
    void markersInterleavedWithKernelOutputAreStillRead() {
        String mixed = PASS.replace("KFORGE-INSMOD kf_core 0", "[    1.92] random: crng initKFORGE-INSMOD kf_core 0");
        assertThat(judge(mixed, List.of("kf_core"), false, false, 120).passed()).isTrue();
    }

    @Test
    void aKernelMessagePrintedIntoAMarkerLineIsReadAsBoth() {
        // Seen on arm64 under TCG: rmmod's printk came out after the marker's text, before its newline.
        String mixed =
                PASS.replace("KFORGE-RMMOD kf_core 0\n", "KFORGE-RMMOD kf_core 0[    1.998320] kf_core unloaded\n\n");
        Verdict v = judge(mixed, List.of("kf_core"), false, false, 120);
        assertThat(v.passed()).as(v.message()).isTrue();
        assertThat(v.message()).isEqualTo("loaded kf_core, unloaded");

        String oops = PASS.replace(
                "KFORGE-INSMOD kf_core 0\n",
                "KFORGE-INSMOD kf_core 0[    1.93] BUG: kernel NULL pointer dereference, address: 0000000000000000\n");
        Verdict bad = judge(oops, List.of("kf_core"), false, false, 120);
        assertThat(bad.passed()).isFalse();
        assertThat(bad.message()).contains("BUG: kernel NULL pointer dereference");
    }

    @Test
    void markersWithoutThisBootsNonceAreOnlyOutput() {
        // A test script that prints the harness's markers and reboots the guest.
        String spoofed = BOOT
                + "@" + NONCE + " KFORGE-BEGIN 6.1.0-56-amd64 taint=0\n"
                + "@" + NONCE + " KFORGE-LOAD kf_core\n"
                + "@" + NONCE + " KFORGE-INSMOD kf_core 0\n"
                + "@" + NONCE + " KFORGE-SCRIPT-BEGIN\n"
                + "KFORGE-SCRIPT 0\nKFORGE-RMMOD kf_core 0\nKFORGE-TAINT 12288\nKFORGE-END\n"
                + "@00000000000000000000000000000000 KFORGE-END\n"
                + "[    3.0] reboot: Restarting system\n";
        Verdict v = Verdict.judge(spoofed, List.of("kf_core"), true, false, 120, NONCE);
        assertThat(v.passed()).isFalse();
        assertThat(v.message()).isEqualTo("the guest stopped before /init finished (during test script)");
    }

    @Test
    void anUnterminatedLineBeforeTheScriptsMarkerKeepsItsExitStatus() {
        String m = "@" + NONCE + " KFORGE-";
        // The script ended with printf "KFORGE-X" and exit 1: even without /init's newline the status is read.
        String console = BOOT + m + "BEGIN 6.1.0-56-amd64 taint=0\n" + m + "LOAD kf_core\n" + m + "INSMOD kf_core 0\n"
                + m + "SCRIPT-BEGIN\n" + "KFORGE-X" + m + "SCRIPT 1\n" + m + "RMMOD kf_core 0\n" + m
                + "TAINT 12288\n" + m + "END\n";
        Verdict v = Verdict.judge(console, List.of("kf_core"), true, false, 120, NONCE);
        assertThat(v.passed()).isFalse();
        assertThat(v.message()).isEqualTo("test script exited 1");
    }

    @Test
    void markersOutOfTheHarnesssOrderFail() {
        Verdict v = judge(run("""
                        KFORGE-TAINT 12288
                        KFORGE-LOAD kf_core
                        KFORGE-INSMOD kf_core 0
                        KFORGE-RMMOD kf_core 0
                        KFORGE-TAINT 12288
                        KFORGE-END
                        """), List.of("kf_core"), false, false, 120);
        assertThat(v.passed()).isFalse();
        assertThat(v.message()).isEqualTo("the harness's marker LOAD came out of order (after TAINT)");
    }

    @Test
    void aConsoleFullOfWarningsKeepsBoundedProblemsAndMessages() {
        StringBuilder flood = new StringBuilder("KFORGE-LOAD kf_core\n");
        for (int i = 0; i < 10_000; i++) {
            flood.append("[ 2.0] WARNING: CPU: 0 PID: 1 at drivers/x.c:")
                    .append(i)
                    .append('\n');
        }
        flood.append("KFORGE-INSMOD kf_core 0\nKFORGE-RMMOD kf_core 0\nKFORGE-TAINT 12288\nKFORGE-END\n");
        Verdict v = judge(run(flood.toString()), List.of("kf_core"), false, false, 120);
        assertThat(v.passed()).isFalse();
        assertThat(v.problems()).hasSize(Verdict.MAX_PROBLEMS + 1);
        assertThat(v.problems().get(Verdict.MAX_PROBLEMS).message())
                .isEqualTo("and " + (10_000 - Verdict.MAX_PROBLEMS) + " more problem(s); see the console");
        assertThat(v.kernelMessages()).hasSize(Verdict.KEPT_MESSAGES).last().isEqualTo("KFORGE-END");
    }

    /**
     * A 200 MB console judged in a JVM with a 64 MB heap: it is streamed, never held. (Reading it
     * whole took about 9 times its size.)
     */
    @Test
    void a200MbConsoleIsJudgedWithA64MbHeap(@TempDir Path dir) throws Exception {
        Path console = dir.resolve("console");
        byte[] line = "[    5.000000] kforge-flood: a guest that prints a lot, line after line, 80 bytes\n"
                .getBytes(StandardCharsets.US_ASCII);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(console), 1 << 20)) {
            out.write(run("KFORGE-LOAD kf_core\n")
                    .replaceAll("KFORGE-(?=[A-Z])", "@" + NONCE + " KFORGE-")
                    .getBytes(StandardCharsets.US_ASCII));
            for (long written = 0; written < 200L << 20; written += line.length) {
                out.write(line);
            }
            out.write(("@" + NONCE + " KFORGE-INSMOD kf_core 0\n@" + NONCE + " KFORGE-RMMOD kf_core 0\n@" + NONCE
                            + " KFORGE-TAINT 12288\n@" + NONCE + " KFORGE-END\n")
                    .getBytes(StandardCharsets.US_ASCII));
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(
                        java.toString(),
                        "-Xmx64m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        JudgeMain.class.getName(),
                        console.toString(),
                        NONCE)
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).contains("passed=true").contains("loaded kf_core, unloaded");
    }

    /** The forked judge of {@link #a200MbConsoleIsJudgedWithA64MbHeap}. */
    static final class JudgeMain {
        public static void main(String[] args) throws Exception {
            Verdict v = Verdict.Judge.reading(Path.of(args[0]), List.of("kf_core"), false, args[1])
                    .verdict(false, 120);
            System.out.println("passed=" + v.passed() + " " + v.message());
        }
    }
}
