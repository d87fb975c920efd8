package dev.kforge.core.plan;

import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.digest.Fingerprint;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.RustTools;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.CargoCrate;
import dev.kforge.core.model.Cell;
import dev.kforge.core.model.Driver;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.Language;
import dev.kforge.core.model.Target;
import dev.kforge.core.model.Toolchain;
import dev.kforge.core.model.Workspace;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
    private final TestPlanning testPlanning;

    public Planner(
            Catalog catalog,
            KernelStepPlanner kernelSteps,
            CompanionStepPlanner companionSteps,
            TestStepPlanner testSteps) {
        this.catalog = catalog;
        this.kernelSteps = kernelSteps;
        this.companionSteps = companionSteps;
        this.testSteps = testSteps;
        this.testPlanning = new TestPlanning(testSteps);
    }

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
        SortedSet<String> tools = new TreeSet<>(kernelSteps.tools());
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
        Workspace ws = in.workspace();
        List<Skip> skipped = new ArrayList<>(Matrix.excluded(ws));
        Map<String, Step> steps = new TreeMap<>();
        Map<String, Cell> cells = new LinkedHashMap<>();
        List<Driver> ordered = Matrix.dependencyOrder(ws);
        Map<String, Step> prepares = new HashMap<>();
        Map<String, Step> symversSteps = new HashMap<>();
        Map<String, Cell> tests = new LinkedHashMap<>();
        List<Skip> untested = new ArrayList<>();
        for (Target t : targets(ws)) {
            KernelSource kernel = ws.kernel(t.kernel()).orElseThrow();
            KernelFacts kernelFacts = in.kernels().get(t.kernel());
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
            String kernelRoot = "${kernel:" + (distro ? distroTree(kernel.name(), arch.key()) : kernel.name()) + "}";
            Optional<String> targetReason = noPort.or(() -> SkipRules.target(facts, arch, tc));
            Map<String, String> built = new TreeMap<>(); // driver -> build step id
            Map<String, String> publishers =
                    new TreeMap<>(); // driver -> the step that publishes its out/ (sign or build)
            for (Driver d : ordered) {
                if (!Matrix.covers(ws, d, t)) {
                    continue; // no matrix asks for this driver on this target
                }
                Cell cell = new Cell(d.name(), t);
                Optional<String> reason = targetReason.or(() -> SkipRules.driver(d, facts, arch, tc, built, ws));
                if (reason.isPresent()) {
                    skipped.add(new Skip(cell, reason.get()));
                    continue;
                }
                Optional<RustTools> rust = Optional.empty();
                if (d.language() == Language.RUST) {
                    rust = Optional.ofNullable(in.rust().get(kernel.name()));
                    if (rust.isEmpty()) {
                        throw new IllegalArgumentException("no Rust toolchain chosen for kernel " + kernel.name());
                    }
                }
                Optional<RustTools> treeRust = rust;
                // One prepare step per tree, however many cells build on it.
                Optional<Step> prepare = kernel.kind() == KernelSource.Kind.SOURCE
                        ? Optional.of(prepares.computeIfAbsent(
                                t.id() + (treeRust.isPresent() ? "-rust" : ""),
                                k -> kernelSteps.prepare(tree(in, kernel, facts, arch, tc, treeRust))))
                        : Optional.empty();
                prepare.ifPresent(p -> steps.putIfAbsent(p.id(), p));
                // With symvers, the tree's vmlinux and in-tree modules are built once, for Module.symvers.
                Optional<Step> symvers = prepare.filter(p -> kernel.symvers())
                        .map(p -> symversSteps.computeIfAbsent(p.id(), k -> kernelSteps.symvers(p)));
                symvers.ifPresent(sv -> steps.putIfAbsent(sv.id(), sv));
                Map<String, String> dependencies = new TreeMap<>();
                d.dependsOn().forEach(dep -> dependencies.put(dep, built.get(dep)));
                Step build = kernelSteps.build(new KernelStepPlanner.CellRequest(
                        kernel, facts, kernelRoot, arch, tc, d, t, prepare, symvers, dependencies, rust));
                steps.put(build.id(), build);
                cells.put(build.id(), cell);
                built.put(d.name(), build.id());
                // A signed cell's out/ directory is published by its SIGN step: tests load what it signed.
                Step published = build;
                if (ws.signs(kernel)) {
                    published = kernelSteps.sign(
                            build, "${workspace}/" + ws.signing().orElseThrow().cert());
                    steps.put(published.id(), published);
                    cells.put(published.id(), cell);
                }
                publishers.put(d.name(), published.id());
                if (in.tests()) {
                    Optional<String> why = TestPlanning.untestable(in, kernel, arch);
                    if (why.isPresent()) {
                        untested.add(new Skip(cell, why.get()));
                    } else {
                        Step test = testPlanning.test(
                                in, ws, cell, kernel, arch, d, published, prepare, symvers, publishers, steps);
                        steps.put(test.id(), test);
                        tests.put(test.id(), cell);
                    }
                }
                for (CargoCrate c : d.cargo()) {
                    if (c.role() == CargoCrate.Role.TEST) {
                        Step test = companionSteps.test(d, c);
                        steps.putIfAbsent(test.id(), test);
                    } else {
                        Step tool = companionSteps.tool(d, c, t, arch, build);
                        steps.put(tool.id(), tool);
                    }
                }
            }
        }
        skipped.sort(Comparator.naturalOrder());
        untested.sort(Comparator.naturalOrder());
        return new BuildPlan(
                FORMAT,
                List.copyOf(steps.values()),
                skipped,
                kernels(in),
                tools(in, ws, steps.values()),
                cells,
                in.tests(),
                tests,
                untested);
    }

    /** The plan root of a Debian kernel's image package for one architecture: {@code NAME+ARCH.image}. */
    public static String imageRoot(String kernel, String arch) {
        return distroTree(kernel, arch) + ".image";
    }

    /** The plan root of a toolchain root: {@code root+NAME}. */
    public static String toolchainRoot(String name) {
        return "root+" + name;
    }

    /** The plan root of the guest userland (a static busybox) for one architecture: {@code guest+ARCH}. */
    public static String guestRoot(String arch) {
        return "guest+" + arch;
    }

    /** The directory a bootable source kernel's SYMVERS step leaves its image and installed modules in, inside the tree. */
    public static final String BOOT_DIR = ".kforge-boot";

    private static SortedMap<String, Map<String, String>> kernels(PlanInput in) {
        SortedMap<String, Map<String, String>> kernels = new TreeMap<>();
        for (KernelFacts f : in.kernels().values()) {
            Map<String, String> entry = kernelEntry(f);
            // A distribution kernel's kind is its distribution's name (debian).
            in.workspace()
                    .kernel(f.name())
                    .filter(k -> k.kind() == f.kind())
                    .ifPresent(k -> entry.put("kind", k.kindKey()));
            kernels.put(f.name(), entry);
            // Each tree of a distribution kernel is a kernel root of its own: steps key on its identity.
            f.arches().forEach((arch, a) -> kernels.put(distroTree(f.name(), arch), kernelEntry(a)));
        }
        // Toolchain roots: the suite and every installed package's version.
        in.toolchainRoots().forEach((name, root) -> {
            Map<String, String> k = new TreeMap<>();
            root.packages().forEach((p, v) -> k.put("package:" + p, v));
            k.put("kind", "root");
            k.put("suite", root.suite());
            k.put("identity", root.identity().hex());
            kernels.put(toolchainRoot(name), k);
        });
        // What tests boot: image packages and guest userland, keyed by their package digests.
        in.boot().roots().forEach((name, root) -> {
            Map<String, String> k = new TreeMap<>(root.facts());
            k.put("kind", root.kind());
            k.put("identity", root.identity().hex());
            kernels.put(name, k);
        });
        return kernels;
    }

    /** The kernel root name of one architecture's tree of a distribution kernel: {@code NAME+ARCH}. */
    public static String distroTree(String kernel, String arch) {
        return kernel + "+" + arch;
    }

    private static Map<String, String> kernelEntry(KernelFacts f) {
        Map<String, String> k = new TreeMap<>();
        k.put("kind", f.kind().name().toLowerCase(Locale.ROOT));
        k.put("version", f.version());
        k.put("identity", f.identity().hex());
        f.release().ifPresent(r -> k.put("release", r));
        k.putAll(f.provenance());
        return k;
    }

    private static KernelFacts archFacts(KernelFacts distro, Architecture arch) {
        KernelFacts f = distro.arches().get(arch.key());
        if (f == null) {
            throw new IllegalArgumentException("no tree of kernel " + distro.name() + " for " + arch.key());
        }
        return f;
    }

    /**
     * The plan's tools with their identities: the build tools, and the emulator of each TEST step
     * planned (only those: an untested arch's emulator would change every build's key).
     */
    private SortedMap<String, String> tools(PlanInput in, Workspace ws, Collection<Step> steps) {
        SortedSet<String> names = new TreeSet<>(tools(ws, false));
        steps.stream()
                .filter(s -> s.kind() == Step.Kind.TEST)
                .forEach(s -> names.add(s.commands().get(0).get(0)));
        SortedMap<String, String> tools = new TreeMap<>();
        for (String tool : names) {
            tools.put(tool, in.tools().getOrDefault(tool, "not found"));
        }
        for (RustTools r : in.rust().values()) {
            tools.put(r.rustc(), r.rustcVersion());
            tools.put(r.bindgen(), r.bindgenVersion());
        }
        return tools;
    }

    /**
     * One tree to prepare: its step id, and its directory inside ${trees}: a readable prefix, then
     * a key over everything that shapes the tree.
     */
    private KernelStepPlanner.TreeRequest tree(
            PlanInput in,
            KernelSource kernel,
            KernelFacts facts,
            Architecture arch,
            Toolchain tc,
            Optional<RustTools> rustTools) {
        boolean rust = rustTools.isPresent();
        Fingerprint key = new Fingerprint("kforge-tree", FORMAT)
                .add(facts.identity())
                .add(arch.key())
                .add(tc.key())
                .add(rust)
                .add(kernel.config().orElse(""))
                .add(kernel.symvers() ? "symvers" : "")
                .add(in.tools().getOrDefault(kernelSteps.compilerProgram(arch, tc), "not found"));
        rustTools.ifPresent(r -> key.add(r.rustc())
                .add(r.rustcVersion())
                .add(r.bindgen())
                .add(r.bindgenVersion())
                .add(r.rustLibSrc()));
        kernel.config().filter(c -> c.contains("/")).ifPresent(c -> key.add(fileDigest(in, c)));
        if (kernel.boot()) {
            key.add("boot")
                    .addStrings(arch.boot().map(Architecture.Boot::config).orElse(List.of()));
        }
        if (kernel.root().isPresent()) {
            var root = in.toolchainRoots().get(kernel.root().get());
            if (root == null) {
                throw new IllegalArgumentException(
                        "no facts for toolchain root " + kernel.root().get());
            }
            key.add("root").add(root.identity());
        }
        key.addStrings(kernel.fragments());
        kernel.fragments().forEach(f -> key.add(fileDigest(in, f)));
        // Module signing: sign-file and the hash come from the tree, the kernel's policy goes into its .config.
        KernelSource.ModuleSig sig = kernel.moduleSig();
        boolean moduleSig =
                in.workspace().signs(kernel) || sig.force() || sig.trustedKeys().isPresent();
        if (moduleSig) {
            key.add("module-sig").add(sig.force());
            sig.trustedKeys().ifPresent(c -> key.add(c).add(fileDigest(in, c)).add("crypto-sha256"));
        }
        String variant = arch.key() + "-" + tc.key() + (rust ? "-rust" : "");
        String tree = "${trees}/" + facts.version() + "-" + variant + "-"
                + key.digest().prefix(16);
        return new KernelStepPlanner.TreeRequest(
                "prepare/" + kernel.name() + "/" + variant,
                kernel,
                facts,
                arch,
                tc,
                rustTools,
                tree,
                in.sourceDateEpoch(),
                moduleSig);
    }

    private static Digest fileDigest(PlanInput in, String path) {
        Digest d = in.files().get(path);
        if (d == null) {
            throw new IllegalArgumentException("no digest for workspace file " + path);
        }
        return d;
    }
}
