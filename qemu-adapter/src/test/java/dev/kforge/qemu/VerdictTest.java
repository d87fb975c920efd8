package dev.kforge.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class VerdictTest {

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
        Verdict v = Verdict.judge(PASS, List.of("kf_core"), false, false, 120);
        assertThat(v.passed()).isTrue();
        assertThat(v.message()).isEqualTo("loaded kf_core, unloaded");
        assertThat(v.kernelMessages()).contains("[    1.91] kf_core 6 loaded").doesNotContain("Booting from ROM...");
    }

    @Test
    void anOopsFailsWithItsLineEvenWhenInsmodReturns() {
        Verdict v = Verdict.judge(run("""
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
        Verdict v = Verdict.judge(run("""
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

    @Test
    void aWarningOrAnUnexpectedTaintFails() {
        Verdict warn = Verdict.judge(
                PASS.replace("KFORGE-RMMOD", "[ 2.0] WARNING: CPU: 0 PID: 1 at drivers/x.c:10\nKFORGE-RMMOD"),
                List.of("kf_core"),
                false,
                false,
                120);
        assertThat(warn.passed()).isFalse();
        assertThat(warn.message()).startsWith("kernel: WARNING: CPU: 0");
        Verdict taint = Verdict.judge(
                PASS.replace("KFORGE-TAINT 12288", "KFORGE-TAINT " + (12288 + 512 + 1)),
                List.of("kf_core"),
                false,
                false,
                120);
        assertThat(taint.message()).isEqualTo("kernel tainted P, W (12801)");
    }

    @Test
    void scriptFailuresRmmodFailuresTimeoutsAndBootFailuresAreNamed() {
        assertThat(Verdict.judge(
                                PASS.replace("KFORGE-RMMOD", "KFORGE-SCRIPT-BEGIN\nKFORGE-SCRIPT 3\nKFORGE-RMMOD"),
                                List.of("kf_core"),
                                true,
                                false,
                                120)
                        .message())
                .isEqualTo("test script exited 3");
        assertThat(Verdict.judge(
                                PASS.replace("KFORGE-RMMOD kf_core 0", "KFORGE-RMMOD kf_core 1"),
                                List.of("kf_core"),
                                false,
                                false,
                                120)
                        .message())
                .startsWith("rmmod kf_core failed (exit 1)");
        assertThat(Verdict.judge(run("KFORGE-LOAD hang\n"), List.of("hang"), false, true, 20)
                        .message())
                .isEqualTo("the guest did not finish within 20 s (during insmod hang)");
        assertThat(Verdict.judge(
                                BOOT + "Kernel panic - not syncing: VFS: Unable to mount root fs\n",
                                List.of("x"),
                                false,
                                false,
                                20)
                        .message())
                .startsWith(
                        "the kernel did not reach /init; last console lines: SeaBIOS | Booting from ROM... | Kernel panic");
        assertThat(Verdict.judge(
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
        assertThat(Verdict.judge(mixed, List.of("kf_core"), false, false, 120).passed())
                .isTrue();
    }
}
