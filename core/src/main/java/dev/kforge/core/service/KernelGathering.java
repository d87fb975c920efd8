package dev.kforge.core.service;

import dev.kforge.core.KforgeException;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.digest.Fingerprint;
import dev.kforge.core.kernel.Distributions;
import dev.kforge.core.kernel.DistroKernels;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.KernelInspector;
import dev.kforge.core.kernel.KernelLines;
import dev.kforge.core.manifest.ManifestException;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.MatrixSpec;
import dev.kforge.core.model.ToolchainRoot;
import dev.kforge.core.model.Workspace;
import dev.kforge.core.plan.Planner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Planning's first phase: the facts of every kernel the matrix uses, read by the kernel inspector
 * or fetched by the kernel's distribution, where each is on this machine, and the digests of the
 * config files the manifest names.
 */
final class KernelGathering {

    /**
     * What was gathered.
     *
     * @param used the kernels the matrix uses
     * @param facts each used kernel's facts
     * @param dirs the plan's kernel roots on this machine (a distribution kernel's trees as NAME+ARCH)
     * @param files config fragments, config files and trusted certificates, by workspace path
     */
    record Gathered(
            Set<String> used,
            SortedMap<String, KernelFacts> facts,
            Map<String, Path> dirs,
            SortedMap<String, Digest> files) {}

    private final Catalog catalog;
    private final KernelInspector kernels;
    private final Distributions distros;
    private final Consumer<Path> seen;

    /** @param seen records a path planning read, for the plan cache */
    KernelGathering(Catalog catalog, KernelInspector kernels, Distributions distros, Consumer<Path> seen) {
        this.catalog = catalog;
        this.kernels = kernels;
        this.distros = distros;
        this.seen = seen;
    }

    /**
     * The workspace with each kernel line (a distribution kernel naming suites, or every ABI)
     * replaced by the kernels it stands for now, for the architectures the matrix builds it for.
     */
    Workspace expand(Workspace ws) {
        Map<String, List<KernelSource>> expansion = new LinkedHashMap<>();
        Map<String, ToolchainRoot> newRoots = new LinkedHashMap<>();
        for (KernelSource k : ws.kernels()) {
            if (!k.expands()) {
                continue;
            }
            Set<Architecture> arches = new LinkedHashSet<>();
            for (MatrixSpec m : ws.matrices()) {
                if (m.kernels().contains(k.name())) {
                    m.arches().forEach(a -> arches.add(catalog.requireArch(a)));
                }
            }
            if (!(distros.of(k) instanceof KernelLines lines)) {
                throw KforgeException.userInput(
                        "kernel '" + k.name() + "': distribution "
                                + k.distribution().orElse("?") + " has no suites to take kernel lines from",
                        "name one ABI for it");
            }
            try {
                List<KernelSource> expanded = lines.expand(k, arches);
                expanded.forEach(e -> {
                    if (ws.kernel(e.name()).isPresent()) {
                        throw KforgeException.userInput(
                                "kernel '" + k.name() + "' expands into '" + e.name() + "', a kernel the manifest "
                                        + "declares too",
                                "rename one of them");
                    }
                });
                expansion.put(k.name(), expanded);
                for (KernelSource e : expanded) {
                    e.root()
                            .filter(r -> ws.root(r).isEmpty())
                            .ifPresent(r -> newRoots.putIfAbsent(r, new ToolchainRoot(r, lines.rootSuite(e), k.pos())));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KforgeException(KforgeException.Kind.INTERRUPTED, "interrupted", "");
            }
        }
        return ws.withExpandedKernels(expansion, List.copyOf(newRoots.values()));
    }

    Gathered gather(Workspace ws, Path root) {
        Set<String> used = new LinkedHashSet<>();
        Planner.targets(ws).forEach(t -> used.add(t.kernel()));
        SortedMap<String, KernelFacts> facts = new TreeMap<>();
        Map<String, Path> dirs = new TreeMap<>();
        SortedMap<String, Digest> files = new TreeMap<>();
        for (KernelSource k : ws.kernels()) {
            if (!used.contains(k.name())) {
                continue;
            }
            switch (k.kind()) {
                case DISTRO -> {
                    facts.put(k.name(), distroFacts(ws, k, dirs));
                    files.putAll(configFiles(k, root)); // the fragments of its Rust tree
                }
                case DISTRO_PACKAGE -> {
                    DistroKernels.Tree tree = distros.of(k).unpack(k, root);
                    facts.put(k.name(), tree.facts());
                    dirs.put(k.name(), tree.dir());
                }
                case HEADERS, SOURCE -> {
                    facts.put(k.name(), kernels.inspect(k, root));
                    dirs.put(k.name(), kernels.sourceDir(k, root));
                    files.putAll(configFiles(k, root));
                }
            }
        }
        ws.signing().ifPresent(sg -> seen.accept(root.resolve(sg.cert())));
        if (ws.signing().isPresent()
                && !Files.isRegularFile(root.resolve(ws.signing().get().cert()))) {
            throw new ManifestException(
                    ws.signing().get().pos(),
                    "[signing] cert '" + ws.signing().get().cert() + "' does not exist",
                    "kforge keygen writes a key and certificate; paths are relative to the manifest's directory");
        }
        return new Gathered(used, facts, dirs, files);
    }

    /** The fragments, config file and trusted certificate a source kernel names, by workspace path. */
    private SortedMap<String, Digest> configFiles(KernelSource k, Path root) {
        List<String> paths = new ArrayList<>(k.fragments());
        k.config().filter(c -> c.contains("/")).ifPresent(paths::add);
        k.moduleSig().trustedKeys().ifPresent(paths::add);
        SortedMap<String, Digest> files = new TreeMap<>();
        for (String p : paths) {
            Path f = root.resolve(p);
            if (!Files.isRegularFile(f)) {
                throw new ManifestException(
                        k.pos(),
                        "kernel '" + k.name() + "': config file '" + p + "' does not exist",
                        "paths are relative to the manifest's directory");
            }
            seen.accept(f);
            files.put(p, Digest.ofFile(f));
        }
        return files;
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
}
