package dev.kforge.core.service;

import dev.kforge.core.KforgeException;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.kernel.Distributions;
import dev.kforge.core.kernel.DistroRust;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.KernelInspector;
import dev.kforge.core.kernel.KernelSources;
import dev.kforge.core.kernel.RustSelection;
import dev.kforge.core.kernel.RustToolchains;
import dev.kforge.core.kernel.RustTools;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.Language;
import dev.kforge.core.model.Workspace;
import dev.kforge.core.plan.Matrix;
import dev.kforge.core.plan.PlanRoot;
import dev.kforge.core.plan.Planner;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * Planning's part for Rust drivers on distribution kernels built with Rust: each such kernel's
 * source from its distribution (fetched once, read as a source kernel), and the Rust toolchain of
 * its root whose version text equals the kernel's; or why its Rust drivers cannot be built.
 */
final class RustTreeGathering {

    private final Catalog catalog;
    private final KernelInspector kernels;
    private final Distributions distros;

    RustTreeGathering(Catalog catalog, KernelInspector kernels, Distributions distros) {
        this.catalog = catalog;
        this.kernels = kernels;
        this.distros = distros;
    }

    /**
     * The distribution kernels some Rust driver targets on an architecture whose tree has
     * CONFIG_RUST=y, each with that tree (the first such architecture's).
     */
    SortedMap<String, KernelFacts> rustKernels(Workspace ws, SortedMap<String, KernelFacts> facts) {
        SortedMap<String, KernelFacts> out = new TreeMap<>();
        for (var t : Planner.targets(ws)) {
            KernelSource k = ws.kernel(t.kernel()).orElseThrow();
            KernelFacts f = facts.get(k.name());
            if (k.kind() != KernelSource.Kind.DISTRO || f == null || out.containsKey(k.name())) {
                continue;
            }
            KernelFacts tree = f.arches().get(t.arch());
            var arch = catalog.requireArch(t.arch());
            boolean rustCell = ws.drivers().stream()
                    .anyMatch(d -> d.language() == Language.RUST
                            && (d.arches().isEmpty() || d.arches().contains(arch.key()))
                            && Matrix.covers(ws, d, t));
            if (rustCell && tree != null && "y".equals(tree.config().get("CONFIG_RUST"))) {
                out.put(k.name(), tree);
            }
        }
        return out;
    }

    /**
     * The source of each kernel of {@link #rustKernels}, registered as plan root {@code NAME.source}
     * in {@code dirs}, and the Rust toolchain for it ({@code select}: the kernel's root or the host);
     * what is missing is refused with the reason.
     *
     * @param select the Rust toolchains of a kernel's root (or the host's), asked with its headers tree and source
     */
    DistroRust gather(
            Workspace ws,
            SortedMap<String, KernelFacts> trees,
            Path workspace,
            Map<String, Path> dirs,
            SortedMap<String, RustTools> rustTools,
            BiFunction<KernelSource, Path, RustToolchains> select) {
        SortedMap<String, KernelFacts> sources = new TreeMap<>();
        SortedMap<String, String> packages = new TreeMap<>();
        SortedMap<String, String> refused = new TreeMap<>();
        trees.forEach((name, tree) -> {
            KernelSource k = ws.kernel(name).orElseThrow();
            if (!(distros.of(k) instanceof KernelSources src)) {
                refused.put(
                        name,
                        "distribution " + k.distribution().orElse("?") + " offers no kernel sources, "
                                + "which Rust drivers for its kernels need (no headers package ships the Rust crates)");
                return;
            }
            KernelSources.Source s;
            try {
                s = src.source(k, tree);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KforgeException(KforgeException.Kind.INTERRUPTED, "interrupted", "");
            }
            if (s.missing().isPresent()) {
                refused.put(
                        name,
                        "kernel '" + name + "' (" + tree.release().orElse(tree.version()) + "): "
                                + s.missing().get());
                return;
            }
            KernelSource asSource = new KernelSource(
                    name,
                    KernelSource.Kind.SOURCE,
                    s.tarball().orElseThrow().toString(),
                    Optional.empty(),
                    List.of(),
                    k.pos(),
                    false,
                    false,
                    k.root(),
                    KernelSource.ModuleSig.DEFAULT,
                    Optional.empty(),
                    List.of());
            KernelFacts facts = kernels.inspect(asSource, workspace);
            Path dir = kernels.sourceDir(asSource, workspace);
            RustSelection sel = select.apply(k, dir).select(tree, dir);
            if (sel.chosen().isEmpty()) {
                refused.put(
                        name,
                        "kernel '" + name + "' (" + tree.release().orElse(tree.version()) + ") was built "
                                + "with " + tree.config().getOrDefault("CONFIG_RUSTC_VERSION_TEXT", "an unnamed rustc")
                                + "; no Rust toolchain "
                                + k.root().map(r -> "in root " + r).orElse("on this machine")
                                + " is that one: " + String.join("; ", sel.candidates()) + " (" + sel.hint() + ")");
                return;
            }
            sources.put(name, facts);
            packages.put(name, s.name());
            dirs.put(PlanRoot.distroSource(name).key(), dir);
            rustTools.put(name, sel.chosen().get());
        });
        return new DistroRust(sources, packages, refused);
    }

    /**
     * Whether the manifest asked for this kernel by its ABI (not {@code latest} or {@code all}): its
     * Rust drivers then fail planning when refused, instead of being skipped.
     */
    static boolean explicit(Workspace manifest, String name) {
        // The manifest kernel it is, or the one it was expanded from (the longest name it starts with).
        KernelSource from = null;
        for (KernelSource k : manifest.kernels()) {
            if (k.name().equals(name)) {
                from = k;
                break;
            }
            if (k.expands()
                    && name.startsWith(k.name() + "-")
                    && (from == null || k.name().length() > from.name().length())) {
                from = k;
            }
        }
        return from != null
                && !from.path().equals(KernelSource.LATEST)
                && !from.path().equals(KernelSource.ALL);
    }
}
