package dev.kforge.core.plan;

import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.CargoCrate;
import dev.kforge.core.model.Driver;
import dev.kforge.core.model.Target;
import dev.kforge.core.model.Toolchain;
import dev.kforge.core.model.ToolchainFamily;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Step planners for planner and service tests in core: the ports' contracts (ids, dependencies,
 * declared outputs, the attributes the planner passes between them) with commands that name no
 * real tool, so what is tested is the planning, in milliseconds and without an adapter.
 */
public final class FakeStepPlanners {

    private FakeStepPlanners() {}

    /** A planner over the built-in catalog with the fake step planners. */
    public static Planner planner() {
        return planner(Catalog.builtIn());
    }

    /** A planner over {@code catalog} with the fake step planners. */
    public static Planner planner(Catalog catalog) {
        return new Planner(catalog, new Kernel(), new Companions(), new Tests(), new Packages());
    }

    /** A planner with an adapter's real kernel steps, and fake companion and test steps. */
    public static Planner withKernelSteps(KernelStepPlanner kernelSteps) {
        return withKernelSteps(Catalog.builtIn(), kernelSteps);
    }

    /** The same over {@code catalog}. */
    public static Planner withKernelSteps(Catalog catalog, KernelStepPlanner kernelSteps) {
        return new Planner(catalog, kernelSteps, new Companions(), new Tests());
    }

    /** A planner with an adapter's real test steps, and fake kernel and companion steps. */
    public static Planner withTestSteps(TestStepPlanner testSteps) {
        return new Planner(Catalog.builtIn(), new Kernel(), new Companions(), testSteps);
    }

    /** A planner with an adapter's real companion steps, and fake kernel and test steps. */
    public static Planner withCompanionSteps(CompanionStepPlanner companionSteps) {
        return new Planner(Catalog.builtIn(), new Kernel(), companionSteps, new Tests());
    }

    static final class Kernel implements KernelStepPlanner {
        @Override
        public String compilerProgram(Architecture arch, Toolchain tc) {
            return tc.family() == ToolchainFamily.GCC ? arch.crossCompile() + "gcc" : "clang";
        }

        @Override
        public List<String> tools() {
            return List.of("fake-make");
        }

        @Override
        public Step prepare(TreeRequest r) {
            return new Step(
                    r.id(),
                    Step.Kind.PREPARE,
                    List.of(List.of("fake-make", "O=" + r.tree(), "modules_prepare")),
                    new TreeMap<>(),
                    "${workspace}",
                    List.of(),
                    List.of(r.tree() + "/"),
                    List.of(),
                    r.base()
                            .map(b -> attrs(
                                    "tree", r.tree(),
                                    "kernel", r.kernel().name(),
                                    "distroHeaders", b.headers(),
                                    "source", b.source(),
                                    "release", b.release()))
                            .orElse(attrs("tree", r.tree(), "kernel", r.kernel().name())));
        }

        @Override
        public Step symvers(Step prepare) {
            String tree = prepare.attribute("tree");
            return new Step(
                    "symvers/" + prepare.id().substring(prepare.id().indexOf('/') + 1),
                    Step.Kind.SYMVERS,
                    List.of(List.of("fake-make", "O=" + tree, "vmlinux", "modules")),
                    new TreeMap<>(),
                    "${workspace}",
                    List.of(tree),
                    List.of(tree + "/Module.symvers"),
                    List.of(prepare.id()),
                    prepare.attributes());
        }

        @Override
        public Step build(CellRequest r) {
            Target t = r.target();
            Driver d = r.driver();
            String cell = t.kernel() + "/" + t.archToolchain() + "/" + d.name();
            List<String> deps = new ArrayList<>();
            r.prepare().ifPresent(p -> deps.add(p.id()));
            r.symvers().ifPresent(s -> deps.add(s.id()));
            d.dependsOn().stream()
                    .sorted()
                    .forEach(dep -> deps.add(r.dependencies().get(dep)));
            return new Step(
                    "build/" + d.name() + "/" + t.id(),
                    Step.Kind.BUILD,
                    List.of(List.of("fake-make", "-C", r.kernelRoot(), "M=${build}/" + cell, "modules")),
                    new TreeMap<>(Map.of("LC_ALL", "C")),
                    "${workspace}",
                    List.of("${workspace}/" + d.path()),
                    List.of("${out}/" + cell + "/", "${build}/" + cell + "/Module.symvers"),
                    deps,
                    attrs(
                            "kernel",
                            t.kernel(),
                            "tree",
                            r.prepare().map(p -> p.attribute("tree")).orElse(r.kernelRoot())));
        }

        @Override
        public Step sign(Step build, String cert) {
            return new Step(
                    "sign/" + build.id().substring("build/".length()),
                    Step.Kind.SIGN,
                    List.of(List.of("fake-sign", cert)),
                    new TreeMap<>(),
                    "${workspace}",
                    List.of(cert),
                    List.of(build.publishDir().orElseThrow() + "/"),
                    List.of(build.id()),
                    build.attributes());
        }
    }

    static final class Companions implements CompanionStepPlanner {
        @Override
        public List<String> tools() {
            return List.of("fake-cargo");
        }

        @Override
        public Step test(Driver d, CargoCrate c) {
            return new Step(
                    "cargo-test/" + d.name() + "/" + c.name(),
                    Step.Kind.CARGO_TEST,
                    List.of(List.of("fake-cargo", "test")),
                    new TreeMap<>(),
                    "${workspace}/" + c.path(),
                    List.of("${workspace}/" + c.path()),
                    List.of(),
                    List.of(),
                    new TreeMap<>());
        }

        @Override
        public Step tool(Driver d, CargoCrate c, Target t, Architecture arch, Step build) {
            return new Step(
                    "cargo-tool/" + d.name() + "/" + c.name() + "/" + t.id(),
                    Step.Kind.CARGO_TOOL,
                    List.of(List.of("fake-cargo", "build", "--target", arch.key())),
                    new TreeMap<>(),
                    "${workspace}/" + c.path(),
                    List.of("${workspace}/" + c.path()),
                    List.of(build.publishDir().orElseThrow() + "/tools/" + c.name() + "/"),
                    List.of(build.id()),
                    new TreeMap<>());
        }
    }

    /** Records what the planner asked for in the step's attributes. */
    static final class Packages implements PackageStepPlanner {
        @Override
        public java.util.SortedSet<String> tools(String format) {
            return new java.util.TreeSet<>(List.of("fake-package-" + format));
        }

        @Override
        public Step cellPackage(CellPackage r) {
            SortedMap<String, String> a = attrs(
                    "format", r.format(),
                    "version", r.version(),
                    "outDir", r.outDir(),
                    "dependsOn", String.join(",", r.dependsOn()),
                    "dependencyDirs", r.dependencyDirs().toString(),
                    "release", r.release().orElse("(at run time)"),
                    "distribution", r.distribution().orElse("none"),
                    "sourceDateEpoch", Long.toString(r.sourceDateEpoch()));
            return new Step(
                    "package-" + r.format() + "/" + r.cell().id(),
                    Step.Kind.PACKAGE,
                    List.of(List.of("fake-package", r.format())),
                    new TreeMap<>(),
                    "${workspace}",
                    List.of(),
                    List.of("${out}/packages/" + r.format() + "/" + r.cell().id() + "/"),
                    r.deps(),
                    a);
        }

        @Override
        public Step driverPackage(DriverPackage r) {
            SortedMap<String, String> a = attrs(
                    "format", r.format(),
                    "driver", r.driver().name(),
                    "version", r.version(),
                    "cells", r.cells().keySet().toString(),
                    "dependencies", r.dependencies().keySet().toString());
            a.put(Step.GATE, Step.AFTER_ANY);
            List<String> deps = r.cells().values().stream()
                    .flatMap(c -> c.steps().stream())
                    .sorted()
                    .toList();
            return new Step(
                    "package-" + r.format() + "/" + r.driver().name(),
                    Step.Kind.PACKAGE,
                    List.of(List.of("fake-package", r.format())),
                    new TreeMap<>(),
                    "${workspace}",
                    List.of("${workspace}/" + r.driver().path()),
                    List.of("${out}/packages/" + r.format() + "/" + r.driver().name() + "/"),
                    deps,
                    a);
        }
    }

    static final class Tests implements TestStepPlanner {
        @Override
        public String emulator(Architecture arch) {
            return "fake-qemu-" + arch.key();
        }

        @Override
        public Step test(TestRequest r) {
            String log = r.loads().get(r.loads().size() - 1).outDir() + "/test.log";
            return new Step(
                    "test/" + r.cell().id(),
                    Step.Kind.TEST,
                    List.of(List.of(emulator(r.arch()), "-kernel", r.kernelImage())),
                    new TreeMap<>(),
                    "${workspace}",
                    r.inputs(),
                    List.of(log),
                    r.deps(),
                    attrs(
                            "load",
                            String.join(
                                    ",", r.loads().stream().map(Load::driver).toList())));
        }
    }

    private static SortedMap<String, String> attrs(String... kv) {
        SortedMap<String, String> m = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
