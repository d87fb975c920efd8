package dev.kforge.core.plan;

import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.RustTools;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.CargoCrate;
import dev.kforge.core.model.Cell;
import dev.kforge.core.model.Driver;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.Language;
import dev.kforge.core.model.Packaging;
import dev.kforge.core.model.Target;
import dev.kforge.core.model.Toolchain;
import dev.kforge.core.model.Workspace;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Turns a {@link PlanInput} into a {@link BuildPlan}: expands the matrix, decides skips with
 * their reasons, names and keys the trees, orders dependencies and assembles the DAG. How each
 * step runs is the business of the adapters behind {@link KernelStepPlanner} and
 * {@link CompanionStepPlanner}. A pure function: the same input always gives the same plan, byte for byte.
 */
public final class Planner {

    /** Bumped whenever planning logic changes what steps do; salts every tree key. */
    public static final int FORMAT = 1;

    private final Catalog catalog;
    private final KernelStepPlanner kernelSteps;
    private final CompanionStepPlanner companionSteps;
    private final TestStepPlanner testSteps;
    private final PackageStepPlanner packageSteps;
    private final TestPlanning testPlanning;
    private final TreePlanning trees;

    public Planner(
            Catalog catalog,
            KernelStepPlanner kernelSteps,
            CompanionStepPlanner companionSteps,
            TestStepPlanner testSteps) {
        this(catalog, kernelSteps, companionSteps, testSteps, NO_PACKAGES);
    }

    public Planner(
            Catalog catalog,
            KernelStepPlanner kernelSteps,
            CompanionStepPlanner companionSteps,
            TestStepPlanner testSteps,
            PackageStepPlanner packageSteps) {
        this.catalog = catalog;
        this.kernelSteps = kernelSteps;
        this.companionSteps = companionSteps;
        this.testSteps = testSteps;
        this.packageSteps = packageSteps;
        this.testPlanning = new TestPlanning(testSteps);
        this.trees = new TreePlanning(kernelSteps);
    }

    /** For planners made without a package adapter: a plan that asks for packages is a bug of the caller. */
    private static final PackageStepPlanner NO_PACKAGES = new PackageStepPlanner() {
        @Override
        public SortedSet<String> tools(String format) {
            throw new IllegalStateException("this planner has no package adapter; cannot package " + format);
        }

        @Override
        public Step cellPackage(CellPackage r) {
            throw new IllegalStateException("this planner has no package adapter; cannot package " + r.cell());
        }

        @Override
        public Step driverPackage(DriverPackage r) {
            throw new IllegalStateException("this planner has no package adapter; cannot package "
                    + r.driver().name());
        }
    };

    /** The union of the matrices' targets, sorted. */
    public static SortedSet<Target> targets(Workspace ws) {
        return Matrix.targets(ws);
    }

    /** Kernels that some applicable Rust cell builds against: they need a Rust toolchain chosen. */
    public SortedSet<String> rustKernels(Workspace ws, Map<String, KernelFacts> facts) {
        return Matrix.rustKernels(catalog, ws, facts);
    }

    /** Programs whose identity the plan records: the kernel steps' tools, each target's compiler, the companions' tools. */
    public SortedSet<String> tools(Workspace ws) {
        return tools(ws, false);
    }

    /** The tools of {@link #tools(Workspace)}, and with tests the emulator of every target architecture that can boot. */
    public SortedSet<String> tools(Workspace ws, boolean tests) {
        return tools(ws, tests, List.of());
    }

    /** The tools of {@link #tools(Workspace, boolean)}, and those writing and checking packages of {@code packages}. */
    public SortedSet<String> tools(Workspace ws, boolean tests, List<String> packages) {
        SortedSet<String> tools = new TreeSet<>(kernelSteps.tools());
        packages.forEach(f -> tools.addAll(packageSteps.tools(f)));
        if (tests) {
            for (Target t : targets(ws)) {
                Architecture arch = catalog.requireArch(t.arch());
                boolean bootable =
                        ws.kernel(t.kernel()).map(KernelSource::bootable).orElse(false);
                if (bootable && arch.boot().isPresent()) {
                    tools.add(testSteps.emulator(arch));
                }
            }
        }
        for (Target t : targets(ws)) {
            tools.add(kernelSteps.compilerProgram(
                    catalog.requireArch(t.arch()), catalog.requireToolchain(t.toolchain())));
        }
        if (ws.drivers().stream().anyMatch(d -> !d.cargo().isEmpty())) {
            tools.addAll(companionSteps.tools());
        }
        return tools;
    }

    public BuildPlan plan(PlanInput in) {
        Assembly a = new Assembly(in);
        a.skipped.addAll(Matrix.excluded(in.workspace()));
        for (Target t : targets(in.workspace())) {
            planTarget(a, t);
        }
        planDriverPackages(a);
        a.skipped.sort(Comparator.naturalOrder());
        a.untested.sort(Comparator.naturalOrder());
        return new BuildPlan(
                FORMAT,
                List.copyOf(a.steps.values()),
                a.skipped,
                PlanRecords.kernels(in),
                PlanRecords.tools(in, tools(in.workspace(), false, in.packages()), a.steps.values()),
                a.cells,
                in.tests(),
                a.tests,
                a.untested,
                a.packages);
    }

    /** The plan as it is assembled, target by target. */
    private static final class Assembly {
        final PlanInput in;
        final List<Skip> skipped = new ArrayList<>();
        final Map<String, Step> steps = new TreeMap<>();
        final Map<String, Cell> cells = new LinkedHashMap<>();
        final Map<String, Step> prepares = new HashMap<>();
        final TreePlanning.Trees trees;
        final Map<String, Step> symversSteps = new HashMap<>();
        final Map<String, Cell> tests = new LinkedHashMap<>();
        final List<Skip> untested = new ArrayList<>();
        final Map<String, Cell> packages = new LinkedHashMap<>();
        /** Per driver, the cells a package of its sources waits for. */
        final Map<String, SortedMap<String, PackageStepPlanner.DriverCell>> driverCells = new TreeMap<>();

        Assembly(PlanInput in) {
            this.in = in;
            this.trees = new TreePlanning.Trees(in, prepares, steps);
        }
    }

    /** One target's facts, as every cell on it needs them. */
    private record OnTarget(
            Target target,
            KernelSource kernel,
            KernelFacts facts,
            Architecture arch,
            Toolchain tc,
            String kernelRoot,
            Optional<String> skip,
            Map<String, String> built,
            Map<String, String> publishers) {}

    private void planTarget(Assembly a, Target t) {
        Workspace ws = a.in.workspace();
        KernelSource kernel = ws.kernel(t.kernel()).orElseThrow();
        KernelFacts kernelFacts = a.in.kernels().get(t.kernel());
        if (kernelFacts == null) {
            throw new IllegalArgumentException("no facts for kernel " + t.kernel());
        }
        Architecture arch = catalog.requireArch(t.arch());
        Toolchain tc = catalog.requireToolchain(t.toolchain());
        // A distribution kernel is one prebuilt headers tree per architecture, each its own kernel root.
        boolean distro = kernel.kind() == KernelSource.Kind.DISTRO;
        Optional<String> noPort =
                distro ? Optional.ofNullable(kernelFacts.missingArches().get(arch.key())) : Optional.empty();
        KernelFacts facts = distro && noPort.isEmpty() ? archFacts(kernelFacts, arch) : kernelFacts;
        PlanRoot root = distro ? PlanRoot.distroTree(kernel.name(), arch.key()) : PlanRoot.kernel(kernel.name());
        OnTarget on = new OnTarget(
                t,
                kernel,
                facts,
                arch,
                tc,
                root.ref(),
                noPort.or(() -> SkipRules.target(facts, arch, tc)),
                new TreeMap<>(), // driver -> build step id
                new TreeMap<>()); // driver -> the step that publishes its out/ (sign or build)
        for (Driver d : Matrix.dependencyOrder(ws)) {
            if (Matrix.covers(ws, d, t)) { // else no matrix asks for this driver on this target
                planCell(a, on, d);
            }
        }
    }

    private void planCell(Assembly a, OnTarget on, Driver d) {
        Workspace ws = a.in.workspace();
        KernelSource kernel = on.kernel();
        Cell cell = new Cell(d.name(), on.target());
        Optional<String> reason = on.skip()
                .or(() -> SkipRules.distroRust(d, kernel, on.facts(), a.in.distroRust()))
                .or(() -> SkipRules.driver(d, on.facts(), on.arch(), on.tc(), on.built(), ws));
        if (reason.isPresent()) {
            a.skipped.add(new Skip(cell, reason.get()));
            return;
        }
        Optional<RustTools> rust = Optional.empty();
        if (d.language() == Language.RUST) {
            rust = Optional.ofNullable(a.in.rust().get(kernel.name()));
            if (rust.isEmpty()) {
                throw new IllegalArgumentException("no Rust toolchain chosen for kernel " + kernel.name());
            }
        }
        Optional<Step> prepare = kernel.kind() == KernelSource.Kind.DISTRO
                ? rust.map(r -> trees.distroRust(a.trees, on.target(), kernel, on.facts(), on.arch(), on.tc(), r))
                : trees.source(a.trees, on.target(), kernel, on.facts(), on.arch(), on.tc(), rust);
        // A distribution kernel's Rust tree is made from the distribution's source: make -C runs there.
        String kernelRoot = kernel.kind() == KernelSource.Kind.DISTRO && prepare.isPresent()
                ? PlanRoot.distroSource(kernel.name()).ref()
                : on.kernelRoot();
        // With symvers, the tree's vmlinux and in-tree modules are built once, for Module.symvers.
        Optional<Step> symvers = prepare.filter(p -> kernel.symvers())
                .map(p -> a.symversSteps.computeIfAbsent(p.id(), k -> kernelSteps.symvers(p)));
        symvers.ifPresent(sv -> a.steps.putIfAbsent(sv.id(), sv));
        Map<String, String> dependencies = new TreeMap<>();
        d.dependsOn().forEach(dep -> dependencies.put(dep, on.built().get(dep)));
        Step build = kernelSteps.build(new KernelStepPlanner.CellRequest(
                kernel,
                on.facts(),
                kernelRoot,
                on.arch(),
                on.tc(),
                d,
                on.target(),
                prepare,
                symvers,
                dependencies,
                rust));
        a.steps.put(build.id(), build);
        a.cells.put(build.id(), cell);
        on.built().put(d.name(), build.id());
        // A signed cell's out/ directory is published by its SIGN step: tests load what it signed.
        Step published = build;
        if (ws.signs(kernel)) {
            published = kernelSteps.sign(
                    build, "${workspace}/" + ws.signing().orElseThrow().cert());
            a.steps.put(published.id(), published);
            a.cells.put(published.id(), cell);
        }
        on.publishers().put(d.name(), published.id());
        Optional<Step> test = a.in.tests() ? planTest(a, on, d, cell, published, prepare, symvers) : Optional.empty();
        if (!a.in.packages().isEmpty()) {
            planPackages(a, on, d, cell, published, test);
        }
        for (CargoCrate c : d.cargo()) {
            Step companion = c.role() == CargoCrate.Role.TEST
                    ? companionSteps.test(d, c)
                    : companionSteps.tool(d, c, on.target(), on.arch(), build);
            a.steps.putIfAbsent(companion.id(), companion);
        }
    }

    /** The cell's package in each format, after its signature and, when it is tested, its passing test. */
    private void planPackages(Assembly a, OnTarget on, Driver d, Cell cell, Step published, Optional<Step> test) {
        Workspace ws = a.in.workspace();
        List<String> deps = new ArrayList<>(List.of(published.id()));
        test.ifPresent(t -> deps.add(t.id()));
        a.driverCells
                .computeIfAbsent(d.name(), k -> new TreeMap<>())
                .put(
                        cell.id(),
                        new PackageStepPlanner.DriverCell(
                                published.publishDir().orElseThrow(),
                                deps,
                                on.built().get(d.name()),
                                on.facts().version(),
                                on.arch().unameMachines()));
        // The drivers it needs, directly or through another: their published modules go into an image too.
        SortedMap<String, String> dependencyDirs = new TreeMap<>();
        for (Driver dep : dependencies(ws, d, name -> on.publishers().containsKey(name))) {
            String publisher = on.publishers().get(dep.name());
            dependencyDirs.put(dep.name(), a.steps.get(publisher).publishDir().orElseThrow());
            deps.add(publisher);
        }
        String version = ws.packaging()
                .versionOf(d)
                .orElseThrow(() -> new IllegalArgumentException("driver " + d.name() + " has no package version"));
        for (String format : a.in.packages()) {
            if (Packaging.perDriver(format)) {
                continue; // planDriverPackages, once every cell of the driver is planned
            }
            Step pkg = packageSteps.cellPackage(new PackageStepPlanner.CellPackage(
                    format,
                    cell,
                    d,
                    version,
                    on.arch(),
                    ws.packaging(),
                    on.kernel().kind() == KernelSource.Kind.DISTRO ? on.kernel().distribution() : Optional.empty(),
                    on.facts().release(),
                    published.publishDir().orElseThrow(),
                    d.dependsOn(),
                    dependencyDirs,
                    a.in.revision(),
                    a.in.sourceDateEpoch(),
                    deps));
            a.steps.put(pkg.id(), pkg);
            a.packages.put(pkg.id(), cell);
        }
    }

    /**
     * The drivers {@code d} needs, directly or through another, in the order they are met, each once; a driver
     * {@code follow} refuses is left out with what only it needs.
     */
    private static List<Driver> dependencies(Workspace ws, Driver d, java.util.function.Predicate<String> follow) {
        List<Driver> out = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        List<String> pending = new ArrayList<>(d.dependsOn());
        while (!pending.isEmpty()) {
            String name = pending.remove(0);
            if (follow.test(name) && seen.add(name)) {
                ws.driver(name).ifPresent(x -> {
                    out.add(x);
                    pending.addAll(x.dependsOn());
                });
            }
        }
        return out;
    }

    /**
     * The packages of the drivers' sources (DKMS), one per driver and format, after every planned cell of the
     * driver whatever its outcome: the package is made from the cells that worked.
     */
    private void planDriverPackages(Assembly a) {
        Workspace ws = a.in.workspace();
        for (String format : a.in.packages()) {
            if (!Packaging.perDriver(format)) {
                continue;
            }
            a.driverCells.forEach((name, cells) -> {
                Driver d = ws.driver(name).orElseThrow();
                SortedMap<String, Driver> dependencies = new TreeMap<>();
                dependencies(ws, d, any -> true).forEach(x -> dependencies.put(x.name(), x));
                Step pkg = packageSteps.driverPackage(new PackageStepPlanner.DriverPackage(
                        format,
                        d,
                        ws.packaging().versionOf(d).orElseThrow(),
                        cells,
                        dependencies,
                        a.in.revision(),
                        a.in.sourceDateEpoch()));
                a.steps.put(pkg.id(), pkg);
            });
        }
    }

    private Optional<Step> planTest(
            Assembly a,
            OnTarget on,
            Driver d,
            Cell cell,
            Step published,
            Optional<Step> prepare,
            Optional<Step> symvers) {
        Optional<String> why = TestPlanning.untestable(a.in, on.kernel(), on.arch());
        if (why.isPresent()) {
            a.untested.add(new Skip(cell, why.get()));
            return Optional.empty();
        }
        Step test = testPlanning.test(
                a.in,
                a.in.workspace(),
                cell,
                on.kernel(),
                on.arch(),
                d,
                published,
                prepare,
                symvers,
                on.publishers(),
                a.steps);
        a.steps.put(test.id(), test);
        a.tests.put(test.id(), cell);
        return Optional.of(test);
    }

    /** The plan root of a distribution kernel's image package for one architecture. */
    public static String imageRoot(String kernel, String arch) {
        return PlanRoot.distroImage(kernel, arch).key();
    }

    /** The plan root of a toolchain root. */
    public static String toolchainRoot(String name) {
        return PlanRoot.toolchainRoot(name).key();
    }

    /** The plan root of the guest userland (a static busybox) for one architecture. */
    public static String guestRoot(String arch) {
        return PlanRoot.guest(arch).key();
    }

    /** The plan root of the guest userland of a distribution release (the host's when empty) for one architecture. */
    public static String guestRoot(Optional<String> release, String arch) {
        return PlanRoot.guest(release, arch).key();
    }

    /** The directory a bootable source kernel's SYMVERS step leaves its image and installed modules in, inside the tree. */
    public static final String BOOT_DIR = ".kforge-boot";

    /** The kernel root name of one architecture's tree of a distribution kernel. */
    public static String distroTree(String kernel, String arch) {
        return PlanRoot.distroTree(kernel, arch).key();
    }

    private static KernelFacts archFacts(KernelFacts distro, Architecture arch) {
        KernelFacts f = distro.arches().get(arch.key());
        if (f == null) {
            throw new IllegalArgumentException("no tree of kernel " + distro.name() + " for " + arch.key());
        }
        return f;
    }
}
