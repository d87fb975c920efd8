package dev.kforge.core.service;

import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.kernel.BootFacts;
import dev.kforge.core.kernel.BootRoot;
import dev.kforge.core.kernel.Distributions;
import dev.kforge.core.kernel.DistroKernels;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.KernelLines;
import dev.kforge.core.kernel.ToolchainRoots;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.Language;
import dev.kforge.core.model.Workspace;
import dev.kforge.core.plan.Matrix;
import dev.kforge.core.plan.Planner;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Planning's second phase: the environments the plan's steps run in, made or fetched once each:
 * the toolchain roots kernels name and, when testing, what the guests boot.
 */
final class RootGathering {

    private final Catalog catalog;
    private final ToolchainRoots roots;
    private final Distributions distros;

    RootGathering(Catalog catalog, ToolchainRoots roots, Distributions distros) {
        this.catalog = catalog;
        this.roots = roots;
        this.distros = distros;
    }

    /**
     * The toolchain roots the used kernels name, made when missing (or given the packages they
     * lack): Kbuild's packages, each target's cross gcc and toolchain packages, and the Rust
     * toolchain's when a Rust driver builds there; each registered as plan root {@code root+NAME}.
     */
    SortedMap<String, ToolchainRoots.Facts> toolchainRoots(
            Workspace ws, Set<String> used, Map<String, Path> dirs, SortedMap<String, KernelFacts> facts) {
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
            // A distribution's kernel built in a root: its own compiler version and what its kbuild needs.
            if (k.kind() == KernelSource.Kind.DISTRO
                    && distros.of(k) instanceof KernelLines lines
                    && facts.containsKey(k.name())
                    && facts.get(k.name()).arches().containsKey(t.arch())) {
                set.addAll(
                        lines.rootPackages(k, arch, facts.get(k.name()).arches().get(t.arch())));
            }
        }
        SortedMap<String, ToolchainRoots.Facts> out = new TreeMap<>();
        packages.forEach((name, pkgs) -> {
            var made = roots.ensure(ws.root(name).orElseThrow(), pkgs);
            out.put(name, made);
            dirs.put(Planner.toolchainRoot(name), made.dir());
        });
        return out;
    }

    /**
     * What the tests of the matrix boot: for each bootable target, the Debian kernel's image package
     * (a source kernel builds its own image) and the guest's busybox for its architecture, each
     * registered as a plan root; what cannot be had is recorded with the reason.
     */
    BootFacts bootFacts(Workspace ws, SortedMap<String, KernelFacts> facts, Map<String, Path> dirs) {
        SortedMap<String, BootRoot> roots = new TreeMap<>();
        SortedMap<String, String> missing = new TreeMap<>();
        SortedMap<String, String> guests = new TreeMap<>();
        for (var t : Planner.targets(ws)) {
            KernelSource k = ws.kernel(t.kernel()).orElseThrow();
            var arch = catalog.requireArch(t.arch());
            if (!k.bootable() || arch.boot().isEmpty()) {
                continue;
            }
            // A kernel line's guest runs its own release's userland (its port, its busybox); any other the host's.
            DistroKernels guestFrom = distros.host();
            Optional<String> release = Optional.empty();
            if (k.kind() == KernelSource.Kind.DISTRO) {
                if (facts.get(k.name()).missingArches().containsKey(arch.key())) {
                    continue; // no port: its cells are skipped
                }
                if (k.suite().isPresent() && distros.of(k) instanceof KernelLines lines) {
                    release = lines.guestRelease(k);
                    if (release.isPresent()) {
                        guestFrom = distros.of(k);
                        guests.put(k.name(), release.get());
                    }
                }
                String name = Planner.imageRoot(k.name(), arch.key());
                if (!roots.containsKey(name)) {
                    var image = distros.of(k).image(k, arch);
                    roots.put(name, image);
                    dirs.put(name, image.dir());
                }
            }
            String guest = Planner.guestRoot(release, arch.key());
            if (!roots.containsKey(guest) && !missing.containsKey(guest)) {
                Optional<String> why = guestFrom.noBusybox(release, arch);
                if (why.isPresent()) {
                    missing.put(guest, why.get());
                } else {
                    var busybox = guestFrom.busybox(release, arch);
                    roots.put(guest, busybox);
                    dirs.put(guest, busybox.dir());
                }
            }
        }
        return new BootFacts(roots, missing, guests);
    }
}
