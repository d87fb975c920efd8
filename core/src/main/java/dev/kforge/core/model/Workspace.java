package dev.kforge.core.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a kforge.toml declares. Paths inside are relative to the workspace root, which is a
 * run-time value and deliberately not part of this model.
 *
 * @param name the workspace name
 * @param manifestName the manifest's file name as the user gave it, for error positions
 * @param out the output directory, relative to the workspace root
 * @param kernels kernels in declaration order
 * @param drivers drivers in declaration order
 * @param matrices the matrices whose union is the set of targets
 * @param remoteCache the remote step cache URL the manifest names, if any
 * @param roots toolchain roots in declaration order
 * @param signing the key and certificate modules are signed with, if any
 * @param xfail the cells drivers are known to fail on
 * @param packaging {@code [package]}: the packages' defaults
 */
public record Workspace(
        String name,
        String manifestName,
        String out,
        List<KernelSource> kernels,
        List<Driver> drivers,
        List<MatrixSpec> matrices,
        Optional<String> remoteCache,
        List<ToolchainRoot> roots,
        Optional<Signing> signing,
        List<ExpectedFailure> xfail,
        Packaging packaging) {

    public Workspace(
            String name,
            String manifestName,
            String out,
            List<KernelSource> kernels,
            List<Driver> drivers,
            List<MatrixSpec> matrices,
            Optional<String> remoteCache,
            List<ToolchainRoot> roots,
            Optional<Signing> signing,
            List<ExpectedFailure> xfail) {
        this(
                name,
                manifestName,
                out,
                kernels,
                drivers,
                matrices,
                remoteCache,
                roots,
                signing,
                xfail,
                Packaging.DEFAULT);
    }

    public Workspace(
            String name,
            String manifestName,
            String out,
            List<KernelSource> kernels,
            List<Driver> drivers,
            List<MatrixSpec> matrices,
            Optional<String> remoteCache,
            List<ToolchainRoot> roots,
            Optional<Signing> signing) {
        this(name, manifestName, out, kernels, drivers, matrices, remoteCache, roots, signing, List.of());
    }

    public Workspace(
            String name,
            String manifestName,
            String out,
            List<KernelSource> kernels,
            List<Driver> drivers,
            List<MatrixSpec> matrices,
            Optional<String> remoteCache,
            List<ToolchainRoot> roots) {
        this(name, manifestName, out, kernels, drivers, matrices, remoteCache, roots, Optional.empty());
    }

    public Workspace(
            String name,
            String manifestName,
            String out,
            List<KernelSource> kernels,
            List<Driver> drivers,
            List<MatrixSpec> matrices,
            Optional<String> remoteCache) {
        this(name, manifestName, out, kernels, drivers, matrices, remoteCache, List.of());
    }

    public Workspace {
        roots = List.copyOf(roots);
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(manifestName, "manifestName");
        Objects.requireNonNull(out, "out");
        kernels = List.copyOf(kernels);
        drivers = List.copyOf(drivers);
        matrices = List.copyOf(matrices);
        Objects.requireNonNull(remoteCache, "remoteCache");
        Objects.requireNonNull(signing, "signing");
        xfail = List.copyOf(xfail);
        Objects.requireNonNull(packaging, "packaging");
    }

    /** Whether the cells of {@code kernel} are signed: the workspace signs, and the kernel does not opt out. */
    public boolean signs(KernelSource kernel) {
        return signing.isPresent() && kernel.moduleSig().sign();
    }

    public Optional<Driver> driver(String name) {
        return drivers.stream().filter(d -> d.name().equals(name)).findFirst();
    }

    public Optional<ToolchainRoot> root(String name) {
        return roots.stream().filter(r -> r.name().equals(name)).findFirst();
    }

    public Optional<KernelSource> kernel(String name) {
        return kernels.stream().filter(k -> k.name().equals(name)).findFirst();
    }

    /**
     * This workspace with kernels replaced by what they expand into ({@code expansion}: a kernel's
     * name to its expanded kernels, in order): the kernel list, each matrix's kernels and each
     * exclude naming one follow; {@code newRoots} are the toolchain roots expanded kernels are built
     * in that the manifest does not declare. Kernels without an entry stay as they are.
     */
    public Workspace withExpandedKernels(Map<String, List<KernelSource>> expansion, List<ToolchainRoot> newRoots) {
        if (expansion.isEmpty()) {
            return this;
        }
        List<KernelSource> ks = new ArrayList<>();
        for (KernelSource k : kernels) {
            ks.addAll(expansion.getOrDefault(k.name(), List.of(k)));
        }
        List<MatrixSpec> ms = new ArrayList<>();
        for (MatrixSpec m : matrices) {
            List<String> names = new ArrayList<>();
            for (String k : m.kernels()) {
                names.addAll(
                        expansion.containsKey(k)
                                ? expansion.get(k).stream()
                                        .map(KernelSource::name)
                                        .toList()
                                : List.of(k));
            }
            List<MatrixSpec.Exclude> excludes = new ArrayList<>();
            for (MatrixSpec.Exclude e : m.excludes()) {
                if (expansion.containsKey(e.kernel())) {
                    expansion
                            .get(e.kernel())
                            .forEach(k ->
                                    excludes.add(new MatrixSpec.Exclude(k.name(), e.arch(), e.toolchain(), e.pos())));
                } else {
                    excludes.add(e);
                }
            }
            ms.add(new MatrixSpec(m.drivers(), names, m.arches(), m.toolchains(), excludes, m.pos()));
        }
        List<ToolchainRoot> rs = new ArrayList<>(roots);
        rs.addAll(newRoots);
        return new Workspace(name, manifestName, out, ks, drivers, ms, remoteCache, rs, signing, xfail, packaging);
    }
}
