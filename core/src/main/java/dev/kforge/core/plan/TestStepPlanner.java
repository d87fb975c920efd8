package dev.kforge.core.plan;

import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.Cell;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Port: how a built cell is tested in a booted kernel. The {@link Planner} decides which cells
 * are tested and against which kernel image, modules and guest; an implementation (the QEMU
 * adapter) writes the step: the emulator's command line and what the guest's initramfs holds.
 * Pure, like {@link KernelStepPlanner}.
 */
public interface TestStepPlanner {

    /** The emulator an architecture's tests run ({@code qemu-system-aarch64}); its identity keys tests. */
    String emulator(Architecture arch);

    /** The TEST step of one cell. */
    Step test(TestRequest request);

    /**
     * One driver whose modules the guest loads.
     *
     * @param driver its name
     * @param outDir its build's out/ directory, holding its .ko files
     * @param params insmod parameters for its modules
     */
    record Load(String driver, String outDir, String params) {
        public Load {
            Objects.requireNonNull(driver, "driver");
            Objects.requireNonNull(outDir, "outDir");
            Objects.requireNonNull(params, "params");
        }
    }

    /**
     * One cell to test.
     *
     * @param cell the cell
     * @param arch its architecture (how QEMU boots it)
     * @param kernelImage the kernel image to boot, in plan form
     * @param kernelModules the kernel's own modules ({@code .../lib/modules}, holding one release), in plan form
     * @param busybox the guest's static busybox, in plan form
     * @param loads the drivers to load, dependencies first, the cell's own driver last
     * @param script the driver's test script, in plan form
     * @param timeoutSeconds the limit for the whole guest run
     * @param deps the step ids it waits for; the cell's build step first
     * @param inputs what identifies the kernel and guest (roots and files the step reads)
     */
    record TestRequest(
            Cell cell,
            Architecture arch,
            String kernelImage,
            String kernelModules,
            String busybox,
            List<Load> loads,
            Optional<String> script,
            long timeoutSeconds,
            List<String> deps,
            List<String> inputs) {
        public TestRequest {
            Objects.requireNonNull(cell, "cell");
            loads = List.copyOf(loads);
            Objects.requireNonNull(script, "script");
            deps = List.copyOf(deps);
            inputs = List.copyOf(inputs);
        }
    }
}
