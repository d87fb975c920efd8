package dev.kforge.qemu;

import dev.kforge.core.model.Architecture;
import dev.kforge.core.plan.Step;
import dev.kforge.core.plan.TestStepPlanner;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Writes a TEST step: the QEMU command line that boots the cell's kernel with the initramfs the
 * executor packs (so {@code kforge explain} prints a command that reproduces the run by hand), and
 * the attributes that say what the initramfs holds. {@code ${accel}} stands for kvm or tcg, chosen
 * on the machine that runs it; the plan stays the same everywhere.
 */
public final class QemuStepPlanner implements TestStepPlanner {

    /** Bumped when the generated /init or the initramfs layout changes: it salts every test's key. */
    static final int GUEST_FORMAT = 1;

    /** Guest memory: Debian's kernels with an initramfs of busybox and a few modules fit in far less. */
    static final String MEMORY = "512";

    /** The placeholder for the accelerator, resolved by the executor. */
    static final String ACCEL = "${accel}";

    @Override
    public String emulator(Architecture arch) {
        return arch.boot()
                .orElseThrow(() -> new IllegalArgumentException("no QEMU facts for " + arch.key()))
                .qemuSystem();
    }

    @Override
    public Step test(TestRequest r) {
        Architecture.Boot boot = r.arch()
                .boot()
                .orElseThrow(() -> new IllegalArgumentException(
                        "no QEMU facts for " + r.arch().key()));
        String cell = r.cell().target().kernel() + "/" + r.cell().target().archToolchain() + "/"
                + r.cell().driver();
        String initramfs = "${build}/" + cell + ".test/initramfs.cpio.gz";
        String log = r.loads().get(r.loads().size() - 1).outDir() + "/test.log";
        List<String> qemu = new ArrayList<>(List.of(
                boot.qemuSystem(),
                "-M",
                boot.machine(),
                "-cpu",
                boot.cpu(),
                "-m",
                MEMORY,
                "-smp",
                "1",
                "-accel",
                ACCEL,
                "-nographic",
                "-no-reboot",
                "-net",
                "none",
                "-kernel",
                r.kernelImage(),
                "-initrd",
                initramfs,
                // quiet keeps the boot short on a serial console; /init raises the log level before loading.
                "-append",
                "console=" + boot.console() + " panic=-1 quiet"));
        SortedMap<String, String> attrs = new TreeMap<>();
        attrs.put("cell", r.cell().id());
        attrs.put("driver", r.cell().driver());
        attrs.put("kernel", r.cell().target().kernel());
        attrs.put("arch", r.arch().key());
        attrs.put("toolchain", r.cell().target().toolchain());
        attrs.put("kernelImage", r.kernelImage());
        attrs.put("kernelModules", r.kernelModules());
        attrs.put("busybox", r.busybox());
        attrs.put("initramfs", initramfs);
        attrs.put("testLog", log);
        attrs.put("timeoutSeconds", Long.toString(r.timeoutSeconds()));
        attrs.put("guestFormat", Integer.toString(GUEST_FORMAT));
        if (!boot.tcgCpu().equals(boot.cpu())) {
            attrs.put("cpuTcg", boot.tcgCpu()); // -cpu when the test runs under TCG
        }
        attrs.put("load", String.join(",", r.loads().stream().map(Load::driver).toList()));
        for (Load l : r.loads()) {
            attrs.put("load." + l.driver() + ".dir", l.outDir());
            attrs.put("load." + l.driver() + ".params", l.params());
        }
        r.script().ifPresent(s -> attrs.put("script", s));
        return new Step(
                "test/" + r.cell().id(),
                Step.Kind.TEST,
                List.of(qemu),
                new TreeMap<>(),
                "${workspace}",
                r.inputs(),
                List.of(log),
                r.deps(),
                attrs);
    }
}
