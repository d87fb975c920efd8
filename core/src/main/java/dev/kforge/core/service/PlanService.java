package dev.kforge.core.service;

import dev.kforge.core.KforgeException;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.digest.DigestMemo;
import dev.kforge.core.digest.Fingerprint;
import dev.kforge.core.kernel.BootFacts;
import dev.kforge.core.kernel.BootRoot;
import dev.kforge.core.kernel.Distributions;
import dev.kforge.core.kernel.DistroKernels;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.KernelInspector;
import dev.kforge.core.kernel.RustSelection;
import dev.kforge.core.kernel.RustToolchains;
import dev.kforge.core.kernel.RustTools;
import dev.kforge.core.kernel.ToolProbe;
import dev.kforge.core.kernel.ToolchainRoots;
import dev.kforge.core.manifest.ManifestException;
import dev.kforge.core.manifest.ManifestLoader;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.Language;
import dev.kforge.core.model.Workspace;
import dev.kforge.core.plan.BuildPlan;
import dev.kforge.core.plan.Matrix;
import dev.kforge.core.plan.PlanInput;
import dev.kforge.core.plan.Planner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.ToLongFunction;
import org.slf4j.LoggerFactory;

/**
 * {@code kforge plan} and the first half of every other use case: loads the manifest, reads the
 * kernels it names and the tools it needs, chooses a Rust toolchain per Rust kernel, and plans.
 */
public final class PlanService {

    private final Catalog catalog;
    private final KernelInspector kernels;
    private final Distributions distros;
    private final RustToolchains rust;
    private final ToolProbe tools;
    private final Planner planner;
    private final Map<String, String> environment;
    private final ToLongFunction<Path> commitTime;
    private final ToolchainRoots roots;
    private final BiFunction<ToolchainRoots.Facts, Path, RustToolchains> rustInRoot;
    private final Optional<PlanCache> cache;
    private final String configuration;

    /**
     * @param environment the caller's environment (SOURCE_DATE_EPOCH)
     * @param commitTime the last commit time of a workspace, 0 when it is not in version control
     * @param roots makes the toolchain roots kernels name ({@code root = ...})
     * @param rustInRoot the Rust toolchains inside a root, for a kernel source directory the probes may read
     */
    public PlanService(
            Catalog catalog,
            KernelInspector kernels,
            Distributions distros,
            RustToolchains rust,
            ToolProbe tools,
            Planner planner,
            Map<String, String> environment,
            ToLongFunction<Path> commitTime,
            ToolchainRoots roots,
            BiFunction<ToolchainRoots.Facts, Path, RustToolchains> rustInRoot) {
        this(
                catalog,
                kernels,
                distros,
                rust,
                tools,
                planner,
                environment,
                commitTime,
                roots,
                rustInRoot,
                Optional.empty(),
                "");
    }

    /**
     * @param cache remembered plans, with the log the adapters record planning's reads in; empty to plan every time
     * @param configuration what else planning depends on that no file says (kforge's build, the
     *     environment, the cache directory, options), part of every plan cache key
     */
    public PlanService(
            Catalog catalog,
            KernelInspector kernels,
            Distributions distros,
            RustToolchains rust,
            ToolProbe tools,
            Planner planner,
            Map<String, String> environment,
            ToLongFunction<Path> commitTime,
            ToolchainRoots roots,
            BiFunction<ToolchainRoots.Facts, Path, RustToolchains> rustInRoot,
            Optional<PlanCache> cache,
            String configuration) {
        this.cache = cache;
        this.configuration = configuration;
        this.catalog = catalog;
        this.kernels = kernels;
        this.distros = distros;
        this.rust = rust;
        this.tools = tools;
        this.planner = planner;
        this.environment = Map.copyOf(environment);
        this.commitTime = commitTime;
        this.roots = roots;
        this.rustInRoot = rustInRoot;
    }

    public Catalog catalog() {
        return catalog;
    }

    /** The planner, for commands that ask it about a workspace (doctor: which kernels need Rust). */
    public Planner planner() {
        return planner;
    }

    /** Loads the manifest only (no kernel or tool is looked at). */
    public Workspace load(Path manifest, String displayName) {
        return new ManifestLoader(catalog).load(manifest, displayName);
    }

    /** Loads the manifest, reads the kernels it names and the tools it needs, and plans (without tests). */
    public Planned plan(Path manifest, String displayName) {
        return plan(manifest, displayName, false);
    }

    /**
     * Loads the manifest, reads the kernels it names and the tools it needs, and plans; with
     * {@code tests}, also what the tests boot (Debian kernel images and guest userland, fetched when
     * not cached) and a TEST step for every built cell whose kernel can boot.
     */
    public Planned plan(Path manifest, String displayName, boolean tests) {
        return plan(manifest, displayName, tests, true);
    }

    /**
     * As {@link #plan(Path, String, boolean)}; with {@code reuse} false the plan is made afresh even
     * when a remembered one is valid (build --no-cache), and remembered for the next run. Plans with
     * tests are not remembered (what they boot is fetched while planning).
     */
    public Planned plan(Path manifest, String displayName, boolean tests, boolean reuse) {
        String text = ManifestLoader.read(manifest, displayName);
        Path root = manifest.toAbsolutePath().normalize().getParent();
        long sourceDateEpoch = sourceDateEpoch(root);
        if (cache.isEmpty() || tests) {
            return plan(
                    new ManifestLoader(catalog)
                            .parse(text, displayName, manifest.toAbsolutePath().getParent()),
                    root,
                    sourceDateEpoch,
                    tests);
        }
        // The manifest's text and where it is are the key; what loading it looks at besides (the
        // drivers' directories, which give their languages) is recorded with what planning reads,
        // so a remembered plan comes with its loaded manifest and the TOML is not parsed again.
        String key = new Fingerprint("kforge-plan-cache", 2)
                .add(configuration)
                .add(manifest.toAbsolutePath().normalize().toString())
                .add(displayName)
                .add(sourceDateEpoch)
                .add(Digest.of(text).hex())
                .digest()
                .hex();
        if (reuse) {
            Optional<Planned> known = cache.get().load(key, root);
            if (known.isPresent()) {
                return known.get();
            }
        } else {
            LoggerFactory.getLogger(PlanCache.class).debug("plan cache: not used (--no-cache); planning");
        }
        long started = DigestMemo.nowNanos();
        cache.get().inputs().start();
        Planned planned;
        SortedMap<String, String> seen;
        try {
            Workspace ws = new ManifestLoader(catalog, cache.get().inputs())
                    .parse(text, displayName, manifest.toAbsolutePath().getParent());
            planned = plan(ws, root, sourceDateEpoch, false);
        } finally {
            seen = cache.get().inputs().stop();
        }
        cache.get().store(key, planned, seen, started);
        return planned;
    }

    private Planned plan(Workspace ws, Path root, long sourceDateEpoch, boolean tests) {
        Set<String> used = new LinkedHashSet<>();
        Planner.targets(ws).forEach(t -> used.add(t.kernel()));
        SortedMap<String, KernelFacts> facts = new TreeMap<>();
        Map<String, Path> dirs = new TreeMap<>();
        SortedMap<String, Digest> files = new TreeMap<>();
        for (KernelSource k : ws.kernels()) {
            if (!used.contains(k.name())) {
                continue;
            }
            if (k.kind() == KernelSource.Kind.DISTRO) {
                facts.put(k.name(), distroFacts(ws, k, dirs));
                continue;
            }
            if (k.kind() == KernelSource.Kind.DISTRO_PACKAGE) {
                DistroKernels.Tree tree = distros.of(k).unpack(k, root);
                facts.put(k.name(), tree.facts());
                dirs.put(k.name(), tree.dir());
                continue;
            }
            facts.put(k.name(), kernels.inspect(k, root));
            dirs.put(k.name(), kernels.sourceDir(k, root));
            List<String> paths = new ArrayList<>(k.fragments());
            k.config().filter(c -> c.contains("/")).ifPresent(paths::add);
            k.moduleSig().trustedKeys().ifPresent(paths::add);
            for (String p : paths) {
                Path f = root.resolve(p);
                if (!Files.isRegularFile(f)) {
                    throw new ManifestException(
                            k.pos(),
                            "kernel '" + k.name() + "': config file '" + p + "' does not exist",
                            "paths are relative to the manifest's directory");
                }
                cache.ifPresent(c -> c.inputs().see(f));
                files.put(p, Digest.ofFile(f));
            }
        }
        ws.signing().ifPresent(sg -> cache.ifPresent(c -> c.inputs().see(root.resolve(sg.cert()))));
        if (ws.signing().isPresent()
                && !Files.isRegularFile(root.resolve(ws.signing().get().cert()))) {
            throw new ManifestException(
                    ws.signing().get().pos(),
                    "[signing] cert '" + ws.signing().get().cert() + "' does not exist",
                    "kforge keygen writes a key and certificate; paths are relative to the manifest's directory");
        }
        SortedMap<String, String> identities = new TreeMap<>();
        BootFacts boot = tests ? bootFacts(ws, facts, dirs) : BootFacts.NONE;
        planner.tools(ws, tests).parallelStream().forEach(t -> {
            String v = tools.version(t).orElse("not found");
            synchronized (identities) {
                identities.put(t, v);
            }
        });
        SortedMap<String, ToolchainRoots.Facts> rootFacts = toolchainRoots(ws, used, dirs);
        SortedMap<String, RustTools> rustTools = new TreeMap<>();
        for (String k : planner.rustKernels(ws, facts)) {
            Optional<String> rootName = ws.kernel(k).flatMap(KernelSource::root);
            RustSelection sel = rootName.isPresent()
                    ? rustInRoot
                            .apply(rootFacts.get(rootName.get()), dirs.get(k))
                            .select(facts.get(k), dirs.get(k))
                    : rust.select(facts.get(k), dirs.get(k));
            rustTools.put(
                    k,
                    sel.chosen()
                            .orElseThrow(() -> KforgeException.environment(
                                    "no Rust toolchain fits kernel '" + k + "' ("
                                            + facts.get(k).version() + "); candidates:\n  "
                                            + String.join("\n  ", sel.candidates()),
                                    sel.hint())));
        }
        BuildPlan plan = planner.plan(
                new PlanInput(ws, facts, identities, files, rustTools, sourceDateEpoch, tests, boot, rootFacts));
        return new Planned(ws, root, plan, dirs);
    }

    /**
     * A distribution kernel: the tree of every architecture the matrix asks for, fetched when not
     * cached, each registered as kernel root {@code NAME+ARCH}; architectures the distribution has
     * no port for are recorded with the reason, for the planner to skip.
     */
    private KernelFacts distroFacts(Workspace ws, KernelSource k, Map<String, Path> dirs) {
        SortedMap<String, KernelFacts> arches = new TreeMap<>();
        SortedMap<String, String> missing = new TreeMap<>();
        SortedSet<String> wanted = new TreeSet<>();
        Planner.targets(ws).stream().filter(t -> t.kernel().equals(k.name())).forEach(t -> wanted.add(t.arch()));
        for (String a : wanted) {
            var arch = catalog.requireArch(a);
            Optional<String> why = distros.of(k).unsupported(k, arch);
            if (why.isPresent()) {
                missing.put(a, why.get());
                continue;
            }
            DistroKernels.Tree tree = distros.of(k).fetch(k, arch);
            arches.put(a, tree.facts());
            dirs.put(Planner.distroTree(k.name(), a), tree.dir());
        }
        Fingerprint id = new Fingerprint("kforge-distro-kernel", 1).add(k.path());
        arches.forEach((a, f) -> id.add(a).add(f.identity()));
        String version =
                arches.values().stream().map(KernelFacts::version).findFirst().orElse(k.path());
        return new KernelFacts(
                k.name(),
                KernelSource.Kind.DISTRO,
                version,
                id.digest(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                new TreeSet<>(),
                new TreeMap<>(),
                arches,
                missing,
                new TreeMap<>());
    }

    /**
     * The toolchain roots the used kernels name, made when missing (or given the packages they
     * lack): Kbuild's packages, each target's cross gcc and toolchain packages, and the Rust
     * toolchain's when a Rust driver builds there; each registered as plan root {@code root+NAME}.
     */
    private SortedMap<String, ToolchainRoots.Facts> toolchainRoots(
            Workspace ws, Set<String> used, Map<String, Path> dirs) {
        SortedMap<String, SortedSet<String>> packages = new TreeMap<>();
        for (var t : Planner.targets(ws)) {
            KernelSource k = ws.kernel(t.kernel()).orElseThrow();
            if (k.root().isEmpty() || !used.contains(k.name())) {
                continue;
            }
            var arch = catalog.requireArch(t.arch());
            var tc = catalog.requireToolchain(t.toolchain());
            boolean rustHere =
                    ws.drivers().stream().anyMatch(d -> d.language() == Language.RUST && Matrix.covers(ws, d, t));
            var set = packages.computeIfAbsent(k.root().get(), r -> new TreeSet<>());
            set.addAll(Catalog.rootPackages(rustHere));
            if (tc.usesCrossCompile()) {
                set.add(arch.gccPackage());
            }
            set.addAll(tc.packages());
        }
        SortedMap<String, ToolchainRoots.Facts> out = new TreeMap<>();
        packages.forEach((name, pkgs) -> {
            var facts = roots.ensure(ws.root(name).orElseThrow(), pkgs);
            out.put(name, facts);
            dirs.put(Planner.toolchainRoot(name), facts.dir());
        });
        return out;
    }

    /**
     * What the tests of the matrix boot: for each bootable target, the Debian kernel's image package
     * (a source kernel builds its own image) and the guest's busybox for its architecture, each
     * registered as a plan root; what cannot be had is recorded with the reason.
     */
    private BootFacts bootFacts(Workspace ws, SortedMap<String, KernelFacts> facts, Map<String, Path> dirs) {
        SortedMap<String, BootRoot> roots = new TreeMap<>();
        SortedMap<String, String> missing = new TreeMap<>();
        for (var t : Planner.targets(ws)) {
            KernelSource k = ws.kernel(t.kernel()).orElseThrow();
            var arch = catalog.requireArch(t.arch());
            if (!k.bootable() || arch.boot().isEmpty()) {
                continue;
            }
            if (k.kind() == KernelSource.Kind.DISTRO) {
                if (facts.get(k.name()).missingArches().containsKey(arch.key())) {
                    continue; // no port: its cells are skipped
                }
                String name = Planner.imageRoot(k.name(), arch.key());
                if (!roots.containsKey(name)) {
                    var image = distros.of(k).image(k, arch);
                    roots.put(name, image);
                    dirs.put(name, image.dir());
                }
            }
            String guest = Planner.guestRoot(arch.key());
            if (!roots.containsKey(guest) && !missing.containsKey(guest)) {
                Optional<String> why = distros.host().noBusybox(arch);
                if (why.isPresent()) {
                    missing.put(guest, why.get());
                } else {
                    var busybox = distros.host().busybox(arch);
                    roots.put(guest, busybox);
                    dirs.put(guest, busybox.dir());
                }
            }
        }
        return new BootFacts(roots, missing);
    }

    /** SOURCE_DATE_EPOCH when set, else the workspace's last commit time, else 0. */
    private long sourceDateEpoch(Path root) {
        String env = environment.get("SOURCE_DATE_EPOCH");
        if (env != null && env.matches("\\d+")) {
            return Long.parseLong(env);
        }
        return commitTime.applyAsLong(root);
    }
}
