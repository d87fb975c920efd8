package dev.kforge.core.plan;

import dev.kforge.core.kernel.BootRoot;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.Cell;
import dev.kforge.core.model.Driver;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.Workspace;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@link Planner}'s part for tests: whether a built cell can be tested (its kernel boots, QEMU
 * and a guest are to be had for its arch) and, if so, its TEST step: the kernel's image and
 * modules, the guest, and the drivers to load, dependencies first, written by the
 * {@link TestStepPlanner} port.
 */
final class TestPlanning {

    private final TestStepPlanner testSteps;

    TestPlanning(TestStepPlanner testSteps) {
        this.testSteps = testSteps;
    }

    /** Why a built cell cannot be tested: its kernel has no image, or QEMU or a guest is not to be had for its arch. */
    static Optional<String> untestable(PlanInput in, KernelSource kernel, Architecture arch) {
        if (kernel.kind() == KernelSource.Kind.SOURCE && !kernel.boot()) {
            return Optional.of("kernel '" + kernel.name()
                    + "' is built without a kernel image; give it boot = true to test " + "its cells under QEMU");
        }
        if (!kernel.bootable()) {
            return Optional.of(
                    "kernel '" + kernel.name() + "' has no kernel image to boot (a headers tree); test against "
                            + "debian = \"latest\" or a source kernel with boot = true");
        }
        if (arch.boot().isEmpty()) {
            return Optional.of("kforge does not know how to boot " + arch.key() + " under QEMU");
        }
        String guest = guestRoot(in, kernel, arch);
        for (String root : kernel.kind() == KernelSource.Kind.DISTRO
                ? List.of(Planner.imageRoot(kernel.name(), arch.key()), guest)
                : List.of(guest)) {
            String missing = in.boot().missing().get(root);
            if (missing != null) {
                return Optional.of(missing);
            }
            if (!in.boot().roots().containsKey(root)) {
                throw new IllegalArgumentException("no boot facts for " + root);
            }
        }
        return Optional.empty();
    }

    /** A cell's TEST step: its kernel's image and modules, the guest, and the drivers to load, dependencies first. */
    Step test(
            PlanInput in,
            Workspace ws,
            Cell cell,
            KernelSource kernel,
            Architecture arch,
            Driver d,
            Step build,
            Optional<Step> prepare,
            Optional<Step> symvers,
            Map<String, String> built,
            Map<String, Step> steps) {
        String guestRoot = guestRoot(in, kernel, arch);
        BootRoot guest = in.boot().roots().get(guestRoot);
        String busybox = "${kernel:" + guestRoot + "}/" + guest.file();
        List<String> inputs = new ArrayList<>();
        String image;
        String modules;
        if (kernel.kind() == KernelSource.Kind.DISTRO) {
            String root = Planner.imageRoot(kernel.name(), arch.key());
            BootRoot img = in.boot().roots().get(root);
            image = "${kernel:" + root + "}/" + img.file();
            modules = "${kernel:" + root + "}/" + img.modules();
            inputs.add("${kernel:" + root + "}");
        } else {
            // The bootable kernel: the directory output of the tree step that built it.
            String boot = symvers.orElseThrow().declaredOutputs().stream()
                    .filter(o -> o.directory() && o.path().endsWith("/" + Planner.BOOT_DIR))
                    .map(Output::path)
                    .findFirst()
                    .orElseThrow(
                            () -> new IllegalStateException(cell.id() + ": its kernel step builds no bootable image"));
            String imageName = arch.boot().orElseThrow().image();
            image = boot + "/" + imageName.substring(imageName.lastIndexOf('/') + 1);
            modules = boot + "/lib/modules";
            inputs.add(boot);
        }
        inputs.add("${kernel:" + guestRoot + "}");
        d.test().script().ifPresent(sc -> inputs.add("${workspace}/" + sc));
        List<String> deps = new ArrayList<>(List.of(build.id()));
        List<TestStepPlanner.Load> loads = new ArrayList<>();
        Set<String> needed = new HashSet<>();
        collectDependencies(ws, d, needed);
        for (Driver dep : Matrix.dependencyOrder(ws)) {
            if (needed.contains(dep.name())) {
                Step depBuild = steps.get(built.get(dep.name()));
                deps.add(depBuild.id());
                loads.add(new TestStepPlanner.Load(
                        dep.name(),
                        depBuild.publishDir().orElseThrow(),
                        dep.test().params()));
            }
        }
        loads.add(new TestStepPlanner.Load(
                d.name(), build.publishDir().orElseThrow(), d.test().params()));
        prepare.ifPresent(p -> deps.add(p.id()));
        symvers.ifPresent(sv -> deps.add(sv.id()));
        return testSteps.test(new TestStepPlanner.TestRequest(
                cell,
                arch,
                image,
                modules,
                busybox,
                loads,
                d.test().script().map(sc -> "${workspace}/" + sc),
                d.test().timeoutSeconds(),
                deps,
                inputs));
    }

    /** The guest userland a cell of {@code kernel} boots with: the host release's, or its kernel line's release's. */
    private static String guestRoot(PlanInput in, KernelSource kernel, Architecture arch) {
        return Planner.guestRoot(in.boot().guestRelease(kernel.name()), arch.key());
    }

    private static void collectDependencies(Workspace ws, Driver d, Set<String> acc) {
        for (String dep : d.dependsOn()) {
            if (acc.add(dep)) {
                collectDependencies(ws, ws.driver(dep).orElseThrow(), acc);
            }
        }
    }
}
