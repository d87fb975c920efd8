package dev.kforge.core.plan;

import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.digest.Fingerprint;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.RustTools;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.CargoCrate;
import dev.kforge.core.model.Cell;
import dev.kforge.core.model.Driver;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.Language;
import dev.kforge.core.model.MatrixSpec;
import dev.kforge.core.model.Target;
import dev.kforge.core.model.Toolchain;
import dev.kforge.core.model.Workspace;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Expands the matrix and turns a {@link PlanInput} into a {@link BuildPlan}. A pure function: the
 * same input always gives the same plan, byte for byte.
 */
public final class Planner {

    /** Bumped whenever planning logic changes what steps do; salts every tree key. */
    public static final int FORMAT = 1;

    /** Cargo companions use Debian's cargo and rustc: Debian's libstd-rust-dev:ARCH matches that rustc. */
    public static final String CARGO = "/usr/bin/cargo";

    public static final String CARGO_RUSTC = "/usr/bin/rustc";

    private final Catalog catalog;

    public Planner(Catalog catalog) {
        this.catalog = catalog;
    }

    /** The union of the matrices' targets, sorted. */
    public static SortedSet<Target> targets(Workspace ws) {
        SortedSet<Target> included = new TreeSet<>();
        for (MatrixSpec m : ws.matrices()) {
            for (Target t : product(m)) {
                if (m.excludes().stream().noneMatch(e -> e.matches(t))) {
                    included.add(t);
                }
            }
        }
        return included;
    }

    /** Kernels that some applicable Rust cell builds against: they need a Rust toolchain chosen. */
    public SortedSet<String> rustKernels(Workspace ws, java.util.Map<String, KernelFacts> facts) {
        SortedSet<String> out = new TreeSet<>();
        for (Target t : targets(ws)) {
            KernelFacts f = facts.get(t.kernel());
            Architecture arch = catalog.requireArch(t.arch());
            if (f == null || !f.rustArches().contains(arch.kernelArch())) {
                continue; // a headers tree's rustArches is its own arch when it has CONFIG_RUST=y, else empty
            }
            boolean rustCell = ws.drivers().stream().anyMatch(d -> d.language() == Language.RUST
                    && (d.arches().isEmpty() || d.arches().contains(arch.key())) && inMatrix(ws, d, t));
            if (rustCell) {
                out.add(t.kernel());
            }
        }
        return out;
    }

    /** Whether some matrix that produces {@code t} covers driver {@code d}. */
    static boolean inMatrix(Workspace ws, Driver d, Target t) {
        for (MatrixSpec m : ws.matrices()) {
            if ((m.drivers().isEmpty() || m.drivers().contains(d.name())) && product(m).contains(t)
                    && m.excludes().stream().noneMatch(e -> e.matches(t))) {
                return true;
            }
        }
        return false;
    }

    /** Programs whose identity the plan records: make and each target's compiler. */
    public SortedSet<String> tools(Workspace ws) {
        SortedSet<String> tools = new TreeSet<>();
        tools.add("make");
        for (Target t : targets(ws)) {
            tools.add(compilerProgram(catalog.requireArch(t.arch()), catalog.requireToolchain(t.toolchain())));
        }
        if (ws.drivers().stream().anyMatch(d -> !d.cargo().isEmpty())) {
            tools.add(CARGO);
            tools.add(CARGO_RUSTC);
        }
        return tools;
    }

    /** The compiler program a target runs: {@code aarch64-linux-gnu-gcc} or {@code clang}. */
    public static String compilerProgram(Architecture arch, Toolchain tc) {
        return tc.usesCrossCompile() ? arch.crossCompile() + tc.compiler() : tc.compiler();
    }

    public BuildPlan plan(PlanInput in) {
        Workspace ws = in.workspace();
        SortedSet<Target> included = targets(ws);
        List<Skip> skipped = new ArrayList<>();
        Map<String, Step> steps = new TreeMap<>();
        Map<String, Cell> cells = new LinkedHashMap<>();

        // Cells that only an exclude removed are reported, not silently dropped.
        java.util.Set<Cell> excluded = new TreeSet<>();
        for (MatrixSpec m : ws.matrices()) {
            for (Target t : product(m)) {
                m.excludes().stream().filter(e -> e.matches(t)).findFirst().ifPresent(e -> {
                    for (Driver d : ws.drivers()) {
                        boolean named = m.drivers().isEmpty() || m.drivers().contains(d.name());
                        if (named && !inMatrix(ws, d, t) && excluded.add(new Cell(d.name(), t))) {
                            skipped.add(new Skip(new Cell(d.name(), t), "excluded by the matrix at " + inWorkspace(e.pos())));
                        }
                    }
                });
            }
        }

        List<Driver> ordered = dependencyOrder(ws);
        Map<String, Step> prepares = new java.util.HashMap<>();
        for (Target t : included) {
            KernelSource kernel = ws.kernel(t.kernel()).orElseThrow();
            KernelFacts facts = in.kernels().get(t.kernel());
            if (facts == null) {
                throw new IllegalArgumentException("no facts for kernel " + t.kernel());
            }
            Architecture arch = catalog.requireArch(t.arch());
            Toolchain tc = catalog.requireToolchain(t.toolchain());
            Optional<String> targetReason = targetSkipReason(facts, arch, tc);
            Map<String, String> built = new TreeMap<>(); // driver -> build step id
            for (Driver d : ordered) {
                if (!inMatrix(ws, d, t)) {
                    continue; // no matrix asks for this driver on this target
                }
                Cell cell = new Cell(d.name(), t);
                Optional<String> reason = targetReason.or(() -> driverSkipReason(d, facts, arch, tc, built, ws));
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
                        ? Optional.of(prepares.computeIfAbsent(t.id() + (treeRust.isPresent() ? "-rust" : ""),
                                k -> prepareStep(in, kernel, facts, arch, tc, treeRust)))
                        : Optional.empty();
                prepare.ifPresent(p -> steps.putIfAbsent(p.id(), p));
                Step build = buildStep(kernel, facts, arch, tc, d, t, prepare, built, rust);
                steps.put(build.id(), build);
                cells.put(build.id(), cell);
                built.put(d.name(), build.id());
                for (CargoCrate c : d.cargo()) {
                    if (c.role() == CargoCrate.Role.TEST) {
                        Step test = cargoTest(d, c);
                        steps.putIfAbsent(test.id(), test);
                    } else {
                        Step tool = cargoTool(d, c, t, arch, build);
                        steps.put(tool.id(), tool);
                    }
                }
            }
        }

        SortedMap<String, Map<String, String>> kernels = new TreeMap<>();
        for (KernelFacts f : in.kernels().values()) {
            Map<String, String> k = new TreeMap<>();
            k.put("kind", f.kind().name().toLowerCase(java.util.Locale.ROOT));
            k.put("version", f.version());
            k.put("identity", f.identity().hex());
            f.release().ifPresent(r -> k.put("release", r));
            kernels.put(f.name(), k);
        }
        SortedMap<String, String> tools = new TreeMap<>();
        for (String tool : tools(ws)) {
            tools.put(tool, in.tools().getOrDefault(tool, "not found"));
        }
        for (RustTools r : in.rust().values()) {
            tools.put(r.rustc(), r.rustcVersion());
            tools.put(r.bindgen(), r.bindgenVersion());
        }
        skipped.sort(Comparator.naturalOrder());
        return new BuildPlan(FORMAT, List.copyOf(steps.values()), skipped, kernels, tools, cells);
    }

    private static List<Target> product(MatrixSpec m) {
        List<Target> out = new ArrayList<>();
        for (String k : m.kernels()) {
            for (String a : m.arches()) {
                for (String tc : m.toolchains()) {
                    out.add(new Target(k, a, tc));
                }
            }
        }
        return out;
    }

    /** Drivers ordered so that every dependency comes before its dependents; ties by name (Kahn's algorithm). */
    private static List<Driver> dependencyOrder(Workspace ws) {
        Map<String, Driver> byName = new TreeMap<>();
        ws.drivers().forEach(d -> byName.put(d.name(), d));
        Map<String, Integer> waiting = new TreeMap<>();
        Map<String, List<String>> dependents = new TreeMap<>();
        for (Driver d : byName.values()) {
            waiting.put(d.name(), d.dependsOn().size());
            d.dependsOn().forEach(dep -> dependents.computeIfAbsent(dep, k -> new ArrayList<>()).add(d.name()));
        }
        java.util.PriorityQueue<String> ready = new java.util.PriorityQueue<>();
        waiting.forEach((name, n) -> {
            if (n == 0) {
                ready.add(name);
            }
        });
        List<Driver> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            String next = ready.poll();
            order.add(byName.get(next));
            for (String dep : dependents.getOrDefault(next, List.of())) {
                if (waiting.merge(dep, -1, Integer::sum) == 0) {
                    ready.add(dep);
                }
            }
        }
        if (order.size() != byName.size()) {
            throw new IllegalStateException("dependency cycle survived the manifest check");
        }
        return order;
    }

    private static Optional<String> targetSkipReason(KernelFacts f, Architecture arch, Toolchain tc) {
        if (f.kind() != KernelSource.Kind.HEADERS) {
            return Optional.empty();
        }
        String treeArch = f.headersArch().orElseThrow();
        if (!treeArch.equals(arch.key())) {
            return Optional.of("headers tree '" + f.name() + "' is configured for " + treeArch
                    + " only; use a source kernel to build for " + arch.key());
        }
        if (f.headersFamily().orElseThrow() != tc.family()) {
            return Optional.of("headers tree '" + f.name() + "' was built with "
                    + f.headersFamily().orElseThrow().name().toLowerCase(java.util.Locale.ROOT)
                    + "; modules must use the same compiler family, not " + tc.key());
        }
        return Optional.empty();
    }

    private static Optional<String> driverSkipReason(
            Driver d, KernelFacts f, Architecture arch, Toolchain tc, Map<String, String> built, Workspace ws) {
        if (!d.arches().isEmpty() && !d.arches().contains(arch.key())) {
            return Optional.of("driver '" + d.name() + "' is restricted to " + String.join(", ", d.arches()));
        }
        if (d.language() == Language.RUST) {
            if (f.kind() == KernelSource.Kind.HEADERS && !"y".equals(f.config().get("CONFIG_RUST"))) {
                return Optional.of("headers tree '" + f.name() + "' has CONFIG_RUST unset; Rust modules need a "
                        + "source kernel that kforge configures with CONFIG_RUST=y");
            }
            if (!f.rustArches().contains(arch.kernelArch())) {
                return Optional.of("kernel " + f.version() + " has no HAVE_RUST for " + arch.key()
                        + " (arch/" + arch.srcArch() + "/Kconfig does not select it)");
            }
        }
        if (f.kind() == KernelSource.Kind.HEADERS) {
            List<String> missing = ConfigCheck.missing(f.config(), d.requires());
            if (!missing.isEmpty()) {
                return Optional.of("kernel '" + f.name() + "' lacks " + String.join(", ", missing));
            }
        }
        for (String dep : d.dependsOn()) {
            if (!built.containsKey(dep)) {
                return Optional.of("depends on '" + dep + "', which is skipped for this target");
            }
        }
        return Optional.empty();
    }

    /** Directory names inside ${trees}: readable prefix, then a key over everything that shapes the tree. */
    private Step prepareStep(
            PlanInput in, KernelSource kernel, KernelFacts facts, Architecture arch, Toolchain tc, Optional<RustTools> rustTools) {
        boolean rust = rustTools.isPresent();
        Fingerprint key = new Fingerprint("kforge-tree", FORMAT)
                .add(facts.identity())
                .add(arch.key())
                .add(tc.key())
                .add(rust)
                .add(kernel.config().orElse(""))
                .add(in.tools().getOrDefault(compilerProgram(arch, tc), "not found"));
        rustTools.ifPresent(r -> key.add(r.rustc()).add(r.rustcVersion()).add(r.bindgen()).add(r.bindgenVersion())
                .add(r.rustLibSrc()));
        kernel.config().filter(c -> c.contains("/")).ifPresent(c -> key.add(fileDigest(in, c)));
        key.addStrings(kernel.fragments());
        kernel.fragments().forEach(f -> key.add(fileDigest(in, f)));
        String variant = arch.key() + "-" + tc.key() + (rust ? "-rust" : "");
        String tree = "${trees}/" + facts.version() + "-" + variant + "-" + key.digest().prefix(16);
        String src = "${kernel:" + kernel.name() + "}";

        List<String> make = KbuildArgs.make(src, Optional.of(tree), arch, tc, rustTools);
        List<List<String>> commands = new ArrayList<>();
        String configTarget = kernel.config().filter(c -> !c.contains("/")).orElse(arch.defconfig());
        if (kernel.config().filter(c -> c.contains("/")).isPresent()) {
            commands.add(List.of("mkdir", "-p", tree));
            commands.add(List.of("cp", "${workspace}/" + kernel.config().get(), tree + "/.config"));
        } else {
            commands.add(append(make, configTarget));
        }
        if (!kernel.fragments().isEmpty()) {
            List<String> merge = new ArrayList<>(List.of(src + "/scripts/kconfig/merge_config.sh", "-m", "-O", tree,
                    tree + "/.config"));
            kernel.fragments().forEach(f -> merge.add("${workspace}/" + f));
            commands.add(merge);
        }
        if (rust) {
            commands.add(rustConfig(src, tree, tc));
        }
        commands.add(append(make, "olddefconfig"));
        commands.add(append(append(make, "-j${jobs}"), "modules_prepare"));

        List<String> inputs = new ArrayList<>(List.of(src));
        kernel.config().filter(c -> c.contains("/")).ifPresent(c -> inputs.add("${workspace}/" + c));
        kernel.fragments().forEach(f -> inputs.add("${workspace}/" + f));
        SortedMap<String, String> attrs = new TreeMap<>();
        attrs.put("kernel", kernel.name());
        attrs.put("arch", arch.key());
        attrs.put("toolchain", tc.key());
        attrs.put("tree", tree);
        attrs.put("rust", Boolean.toString(rust));
        attrs.put("expect", rust ? "CONFIG_RUST=y" : "");
        attrs.put("fragments", String.join(",", kernel.fragments().stream().map(f -> "${workspace}/" + f).toList()));
        return new Step("prepare/" + kernel.name() + "/" + variant, Step.Kind.PREPARE, commands,
                KbuildArgs.treeEnv(in.sourceDateEpoch()),
                src, inputs, List.of(tree), List.of(), attrs);
    }

    /**
     * Turns on CONFIG_RUST and turns off what it conflicts with (KERNEL-FACTS): WERROR (the vendored
     * alloc crate warns on newer rustc), MODVERSIONS, GCC_PLUGINS, RANDSTRUCT, DEBUG_INFO_BTF, CFI_CLANG;
     * with gcc also INIT_STACK_ALL_ZERO, whose flag libclang rejects.
     */
    private static List<String> rustConfig(String src, String tree, Toolchain tc) {
        List<String> argv = new ArrayList<>(List.of(src + "/scripts/config", "--file", tree + "/.config",
                "-e", "RUST", "-d", "WERROR", "-d", "MODVERSIONS", "-d", "GCC_PLUGINS", "-d", "RANDSTRUCT_FULL",
                "-d", "RANDSTRUCT_PERFORMANCE", "-e", "RANDSTRUCT_NONE", "-d", "DEBUG_INFO_BTF", "-d", "CFI_CLANG"));
        if (tc.family() == dev.kforge.core.model.ToolchainFamily.GCC) {
            argv.addAll(List.of("-d", "INIT_STACK_ALL_ZERO", "-e", "INIT_STACK_NONE"));
        }
        return argv;
    }

    private static Step buildStep(KernelSource kernel, KernelFacts facts, Architecture arch, Toolchain tc, Driver d,
            Target t, Optional<Step> prepare, Map<String, String> built, Optional<RustTools> rust) {
        String buildDir = "${build}/" + t.kernel() + "/" + t.archToolchain() + "/" + d.name();
        String outDir = "${out}/" + t.kernel() + "/" + t.archToolchain() + "/" + d.name();
        String src = "${kernel:" + kernel.name() + "}";
        Optional<String> tree = prepare.map(p -> p.attribute("tree"));
        List<String> make = new ArrayList<>(KbuildArgs.make(src, tree, arch, tc, rust));
        make.add("M=" + buildDir);
        make.add("-j${jobs}");
        // Paths of the per-cell directory must not reach the .ko: it then builds bit-identical anywhere.
        make.add("KCFLAGS=-ffile-prefix-map=" + buildDir + "/=");
        if (d.language() == Language.RUST) {
            make.add("KRUSTFLAGS=--remap-path-prefix=" + buildDir + "/=");
        }
        if (prepare.isPresent()) {
            // modules_prepare writes no Module.symvers, so every kernel symbol is unresolved; from 6.12
            // modpost fails on that unless told to warn (6.1 warns by default). The warnings are surfaced.
            make.add("KBUILD_MODPOST_WARN=1");
        }
        List<String> symvers = d.dependsOn().stream()
                .map(dep -> "${build}/" + t.kernel() + "/" + t.archToolchain() + "/" + dep + "/Module.symvers")
                .sorted()
                .toList();
        if (!symvers.isEmpty()) {
            make.add("KBUILD_EXTRA_SYMBOLS=" + String.join(" ", symvers));
        }
        d.makeVariables().forEach((k, v) -> make.add(k + "=" + v));
        make.add("modules");

        List<List<String>> commands = List.of(
                List.of("rm", "-rf", buildDir),
                List.of("mkdir", "-p", buildDir),
                List.of("cp", "-a", "${workspace}/" + d.path() + "/.", buildDir),
                make);
        List<String> deps = new ArrayList<>();
        prepare.ifPresent(p -> deps.add(p.id()));
        d.dependsOn().stream().sorted().forEach(dep -> deps.add(built.get(dep)));
        List<String> inputs = new ArrayList<>(List.of("${workspace}/" + d.path(), tree.orElse(src)));
        inputs.addAll(symvers);

        SortedMap<String, String> attrs = new TreeMap<>();
        attrs.put("driver", d.name());
        attrs.put("kernel", t.kernel());
        attrs.put("arch", arch.key());
        attrs.put("toolchain", tc.key());
        attrs.put("language", d.language().key());
        attrs.put("source", "${workspace}/" + d.path());
        attrs.put("sourcePath", d.path());
        attrs.put("buildDir", buildDir);
        attrs.put("outDir", outDir);
        attrs.put("tree", tree.orElse(src));
        attrs.put("requires", String.join(",", d.requires()));
        if (d.timeoutSeconds() > 0) {
            attrs.put("timeoutSeconds", Long.toString(d.timeoutSeconds()));
        }
        facts.release().ifPresent(r -> attrs.put("release", r));
        return new Step("build/" + d.name() + "/" + t.id(), Step.Kind.BUILD, commands, KbuildArgs.env(),
                "${workspace}", inputs, List.of(outDir), deps, attrs);
    }

    private static List<String> cargo(String command, CargoCrate c, String targetDir) {
        return new ArrayList<>(List.of(CARGO, command, "--offline", "--manifest-path", "${workspace}/" + c.path() + "/Cargo.toml",
                "--target-dir", targetDir));
    }

    private static SortedMap<String, String> cargoEnv() {
        SortedMap<String, String> env = new TreeMap<>();
        env.put("CARGO_TERM_COLOR", "never");
        env.put("LC_ALL", "C");
        env.put("RUSTC", CARGO_RUSTC);
        env.put("TZ", "UTC");
        return env;
    }

    private static Step cargoTest(Driver d, CargoCrate c) {
        String targetDir = "${build}/cargo/" + d.name() + "/" + c.name() + "/host";
        SortedMap<String, String> attrs = new TreeMap<>();
        attrs.put("driver", d.name());
        attrs.put("crate", c.name());
        attrs.put("role", c.role().key());
        attrs.put("targetDir", targetDir);
        return new Step("cargo-test/" + d.name() + "/" + c.name(), Step.Kind.CARGO_TEST, List.of(cargo("test", c, targetDir)),
                cargoEnv(), "${workspace}/" + c.path(), List.of("${workspace}/" + c.path()), List.of(targetDir), List.of(), attrs);
    }

    private static Step cargoTool(Driver d, CargoCrate c, Target t, Architecture arch, Step build) {
        String triple = arch.rustTarget().orElseThrow(() -> new IllegalArgumentException(arch.key() + " has no Rust target"));
        String targetDir = "${build}/cargo/" + d.name() + "/" + c.name() + "/" + arch.key();
        List<String> argv = cargo("build", c, targetDir);
        argv.addAll(List.of("--release", "--target", triple));
        SortedMap<String, String> env = cargoEnv();
        // Cargo links with the target's C compiler: the Debian cross gcc brings the target's libc.
        env.put("CARGO_TARGET_" + triple.toUpperCase(java.util.Locale.ROOT).replace('-', '_') + "_LINKER",
                arch.crossCompile() + "gcc");
        String outDir = build.attribute("outDir") + "/tools/" + c.name();
        SortedMap<String, String> attrs = new TreeMap<>();
        attrs.put("driver", d.name());
        attrs.put("crate", c.name());
        attrs.put("role", c.role().key());
        attrs.put("arch", arch.key());
        attrs.put("triple", triple);
        attrs.put("targetDir", targetDir);
        attrs.put("outDir", outDir);
        return new Step("cargo-tool/" + d.name() + "/" + c.name() + "/" + t.id(), Step.Kind.CARGO_TOOL, List.of(argv), env,
                "${workspace}/" + c.path(), List.of("${workspace}/" + c.path()), List.of(outDir), List.of(build.id()), attrs);
    }

    private static dev.kforge.core.digest.Digest fileDigest(PlanInput in, String path) {
        var d = in.files().get(path);
        if (d == null) {
            throw new IllegalArgumentException("no digest for workspace file " + path);
        }
        return d;
    }

    private static List<String> append(List<String> list, String item) {
        List<String> out = new ArrayList<>(list);
        out.add(item);
        return out;
    }

    /**
     * A manifest position as the plan states it: the manifest is named by its file name (it sits at
     * the workspace's root), not as {@code -f} spelled it, so the plan and its hash do not depend on
     * the current directory.
     */
    static String inWorkspace(dev.kforge.core.model.SourcePos pos) {
        String file = pos.file();
        int slash = file.lastIndexOf('/');
        return (slash < 0 ? file : file.substring(slash + 1)) + ":" + pos.line() + ":" + pos.column();
    }
}
