package dev.kforge.core.service;

import dev.kforge.core.KforgeException;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.digest.DigestMemo;
import dev.kforge.core.digest.Fingerprint;
import dev.kforge.core.kernel.BootFacts;
import dev.kforge.core.kernel.DistroRust;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.RustSelection;
import dev.kforge.core.kernel.RustToolchains;
import dev.kforge.core.kernel.RustTools;
import dev.kforge.core.kernel.ToolProbe;
import dev.kforge.core.kernel.ToolchainRoots;
import dev.kforge.core.manifest.ManifestLoader;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.Workspace;
import dev.kforge.core.plan.BuildPlan;
import dev.kforge.core.plan.PlanInput;
import dev.kforge.core.plan.Planner;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.slf4j.LoggerFactory;

/**
 * {@code kforge plan} and the first half of every other use case: loads the manifest, reads the
 * kernels it names and the tools it needs, chooses a Rust toolchain per Rust kernel, and plans.
 */
public final class PlanService {

    private final Catalog catalog;
    private final RustToolchains rust;
    private final ToolProbe tools;
    private final Planner planner;
    private final Map<String, String> environment;
    private final ToLongFunction<Path> commitTime;
    private final Function<Path, Optional<String>> revision;
    private final BiFunction<ToolchainRoots.Facts, Path, RustToolchains> rustInRoot;
    private final Optional<PlanCache> cache;
    private final String configuration;
    private final KernelGathering kernelPhase;
    private final RootGathering rootPhase;
    private final RustTreeGathering rustTreePhase;

    PlanService(PlanServiceBuilder b) {
        this.catalog = b.catalog;
        this.rust = b.rust;
        this.tools = b.tools;
        this.planner = b.planner;
        this.environment = Map.copyOf(b.environment);
        this.commitTime = b.commitTime;
        this.revision = b.revision;
        this.rustInRoot = b.rustInRoot;
        this.cache = b.cache;
        this.configuration = b.configuration;
        this.kernelPhase = new KernelGathering(
                b.catalog,
                b.kernels,
                b.distros,
                p -> b.cache.ifPresent(c -> c.inputs().see(p)));
        this.rootPhase = new RootGathering(b.catalog, b.roots, b.distros);
        this.rustTreePhase = new RustTreeGathering(b.catalog, b.kernels, b.distros);
    }

    public static PlanServiceBuilder builder() {
        return new PlanServiceBuilder();
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

    /** The workspace with each kernel line replaced by the kernels it stands for now (the archive asked). */
    public Workspace expand(Workspace ws) {
        return kernelPhase.expand(ws);
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
        return plan(manifest, displayName, tests, PackageChoice.NONE, reuse);
    }

    /**
     * As {@link #plan(Path, String, boolean, boolean)}, with a PACKAGE step in each of {@code packages}'
     * formats for every built cell (kforge package). Plans with packages but without tests are remembered
     * like plans without either: the formats are part of the key.
     */
    public Planned plan(Path manifest, String displayName, boolean tests, PackageChoice packages, boolean reuse) {
        String text = ManifestLoader.read(manifest, displayName);
        Path root = manifest.toAbsolutePath().normalize().getParent();
        long sourceDateEpoch = sourceDateEpoch(root);
        Optional<String> rev = packages.enabled() ? revision.apply(root) : Optional.empty();
        if (cache.isEmpty() || tests) {
            return plan(
                    new ManifestLoader(catalog)
                            .parse(text, displayName, manifest.toAbsolutePath().getParent()),
                    root,
                    sourceDateEpoch,
                    tests,
                    packages,
                    rev);
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
                .add(packages.key())
                .add(rev.orElse(""))
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
            planned = plan(ws, root, sourceDateEpoch, false, packages, rev);
        } finally {
            seen = cache.get().inputs().stop();
        }
        cache.get().store(key, planned, seen, started);
        return planned;
    }

    private Planned plan(
            Workspace manifest,
            Path root,
            long sourceDateEpoch,
            boolean tests,
            PackageChoice choice,
            Optional<String> rev) {
        List<String> packages = choice.resolve(manifest.packaging());
        PackagingChecks.check(manifest, packages);
        Workspace ws = kernelPhase.expand(manifest);
        KernelGathering.Gathered kernels = kernelPhase.gather(ws, root);
        SortedMap<String, KernelFacts> facts = kernels.facts();
        Map<String, Path> dirs = new TreeMap<>(kernels.dirs());
        BootFacts boot = tests ? rootPhase.bootFacts(ws, facts, dirs) : BootFacts.NONE;
        SortedMap<String, String> identities = new TreeMap<>();
        planner.tools(ws, tests, packages).parallelStream().forEach(t -> {
            String v = tools.version(t).orElse("not found");
            synchronized (identities) {
                identities.put(t, v);
            }
        });
        SortedMap<String, ToolchainRoots.Facts> rootFacts = rootPhase.toolchainRoots(ws, kernels.used(), dirs, facts);
        SortedMap<String, RustTools> rustTools = rustTools(ws, facts, dirs, rootFacts);
        DistroRust distroRust = rustTreePhase.gather(
                ws,
                rustTreePhase.rustKernels(ws, facts),
                root,
                dirs,
                rustTools,
                (k, source) -> k.root().isPresent()
                        ? rustInRoot.apply(rootFacts.get(k.root().get()), source)
                        : rust);
        distroRust.refused().forEach((k, why) -> {
            if (RustTreeGathering.explicit(manifest, k)) {
                throw KforgeException.environment(
                        why,
                        "the manifest names this kernel's ABI: take the suite's newest (debian = \"latest\") "
                                + "to have such a kernel's Rust drivers skipped with the reason instead");
            }
        });
        BuildPlan plan = planner.plan(new PlanInput(
                ws,
                facts,
                identities,
                kernels.files(),
                rustTools,
                sourceDateEpoch,
                tests,
                boot,
                rootFacts,
                distroRust,
                packages,
                rev));
        return new Planned(ws, root, plan, dirs);
    }

    /** The rustc, bindgen and rust-src each Rust kernel takes, on the host or in its toolchain root. */
    private SortedMap<String, RustTools> rustTools(
            Workspace ws,
            SortedMap<String, KernelFacts> facts,
            Map<String, Path> dirs,
            SortedMap<String, ToolchainRoots.Facts> rootFacts) {
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
        return rustTools;
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
