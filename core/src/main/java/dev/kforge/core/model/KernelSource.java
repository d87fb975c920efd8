package dev.kforge.core.model;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A kernel named in the manifest.
 *
 * @param name the manifest's name for it (v6.1, debian); appears in step ids and out/ paths
 * @param kind a prepared {@code HEADERS} tree, a {@code SOURCE} tree or tarball kforge prepares, a
 *     {@code DISTRO} kernel whose prebuilt headers its distribution's adapter fetches for every port, or
 *     a {@code DISTRO_PACKAGE} headers package it unpacks
 * @param path the path as written (relative to the workspace, or absolute; the last segment may
 *     hold a {@code *} glob, the highest version wins); for DISTRO the kernel ABI (6.1.0-56) or {@code latest}
 * @param config for SOURCE: a config target (defconfig) or a workspace-relative .config file;
 *     empty means the architecture's default config target
 * @param fragments for SOURCE: workspace-relative config fragments merged after {@code config}
 * @param pos where it was declared
 * @param symvers for SOURCE: build each tree's vmlinux and in-tree modules once, so its
 *     Module.symvers lets modpost check every symbol of the modules built against it
 * @param boot for SOURCE: also build a bootable kernel image (and install the in-tree modules) in
 *     that step, with the architecture's boot options turned on, so {@code kforge test} can boot it;
 *     implies {@code symvers}
 * @param root for SOURCE: the toolchain root ({@code [[toolchain_root]]}) its steps run in; empty for the host
 * @param moduleSig how this kernel takes part in module signing
 * @param distribution for DISTRO and DISTRO_PACKAGE: the distribution whose adapter fetches or
 *     unpacks it ({@code debian}), looked up by name in the registry of distributions
 * @param suites for DISTRO: the distribution's suites (releases) it is taken from, as written
 *     ({@code suites = ["bullseye", "trixie-backports"]}); empty for the host's own. A kernel with
 *     suites, or whose ABI is {@code all}, is expanded while planning into one kernel per suite and
 *     ABI, each with exactly one suite and an explicit ABI ({@link #expanded})
 */
public record KernelSource(
        String name,
        Kind kind,
        String path,
        Optional<String> config,
        List<String> fragments,
        SourcePos pos,
        boolean symvers,
        boolean boot,
        Optional<String> root,
        ModuleSig moduleSig,
        Optional<String> distribution,
        List<String> suites) {

    /** What {@code debian = "all"} selects: every ABI each suite still serves. */
    public static final String ALL = "all";

    /** What {@code debian = "latest"} selects: each suite's newest ABI. */
    public static final String LATEST = "latest";

    /** Without suites: the host's own. */
    public KernelSource(
            String name,
            Kind kind,
            String path,
            Optional<String> config,
            List<String> fragments,
            SourcePos pos,
            boolean symvers,
            boolean boot,
            Optional<String> root,
            ModuleSig moduleSig,
            Optional<String> distribution) {
        this(name, kind, path, config, fragments, pos, symvers, boot, root, moduleSig, distribution, List.of());
    }

    /**
     * Module signing on this kernel.
     *
     * @param sign whether its cells are signed when the workspace has {@code [signing]} (default true)
     * @param force for SOURCE: CONFIG_MODULE_SIG_FORCE, the kernel refuses modules without a trusted signature
     * @param trustedKeys for SOURCE: a workspace certificate (PEM) built into the kernel as
     *     CONFIG_SYSTEM_TRUSTED_KEYS, so it accepts modules signed with its key
     */
    public record ModuleSig(boolean sign, boolean force, Optional<String> trustedKeys) {
        public static final ModuleSig DEFAULT = new ModuleSig(true, false, Optional.empty());

        public ModuleSig {
            Objects.requireNonNull(trustedKeys, "trustedKeys");
        }
    }

    public KernelSource(
            String name,
            Kind kind,
            String path,
            Optional<String> config,
            List<String> fragments,
            SourcePos pos,
            boolean symvers,
            boolean boot,
            Optional<String> root) {
        this(name, kind, path, config, fragments, pos, symvers, boot, root, ModuleSig.DEFAULT, Optional.empty());
    }

    public KernelSource(
            String name, Kind kind, String path, Optional<String> config, List<String> fragments, SourcePos pos) {
        this(name, kind, path, config, fragments, pos, false, false, Optional.empty());
    }

    public KernelSource(
            String name,
            Kind kind,
            String path,
            Optional<String> config,
            List<String> fragments,
            SourcePos pos,
            boolean symvers,
            boolean boot) {
        this(name, kind, path, config, fragments, pos, symvers, boot, Optional.empty());
    }

    /** How kforge gets a tree to build against. */
    public enum Kind {
        HEADERS,
        SOURCE,
        /**
         * A distribution's prebuilt headers (with Module.symvers) for each architecture, fetched by its
         * adapter (Debian's: apt-get download); path: the ABI or {@code latest}.
         */
        DISTRO,
        /** A headers package the user names (path: the package file), unpacked by its distribution's adapter; serves its own arch. */
        DISTRO_PACKAGE
    }

    /** A distribution's kernel (DISTRO) or headers package (DISTRO_PACKAGE). */
    public static KernelSource distro(
            String name, Kind kind, String path, SourcePos pos, String distribution, ModuleSig moduleSig) {
        return new KernelSource(
                name,
                kind,
                path,
                Optional.empty(),
                List.of(),
                pos,
                false,
                false,
                Optional.empty(),
                moduleSig,
                Optional.of(distribution));
    }

    /** How plans and reports name the kind: {@code headers}, {@code source}, the distribution's name, or NAME-package. */
    public String kindKey() {
        return switch (kind) {
            case HEADERS, SOURCE -> kind.name().toLowerCase(Locale.ROOT);
            case DISTRO -> distribution.orElseThrow();
            case DISTRO_PACKAGE -> distribution.orElseThrow() + "-package";
        };
    }

    public KernelSource {
        Names.require("kernel name", name);
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(config, "config");
        fragments = List.copyOf(fragments);
        Objects.requireNonNull(pos, "pos");
        symvers = symvers || boot;
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(moduleSig, "moduleSig");
        Objects.requireNonNull(distribution, "distribution");
        if ((kind == Kind.DISTRO || kind == Kind.DISTRO_PACKAGE) != distribution.isPresent()) {
            throw new IllegalArgumentException(
                    "kernel " + name + ": a distribution kernel names its distribution, and only it does");
        }
        suites = List.copyOf(suites);
        if (!suites.isEmpty() && kind != Kind.DISTRO) {
            throw new IllegalArgumentException("kernel " + name + ": only a distribution's kernels come from suites");
        }
    }

    /**
     * Whether planning expands this manifest kernel into one per suite and ABI (it names suites, even
     * one with an explicit ABI, or selects every ABI). Expansion runs once, on the manifest's kernels:
     * the kernels it makes name one suite and ABI and are never expanded again.
     */
    public boolean expands() {
        return kind == Kind.DISTRO && (!suites.isEmpty() || path.equals(ALL));
    }

    /** The suite this kernel comes from, when it names one (an expanded kernel names exactly one). */
    public Optional<String> suite() {
        return suites.size() == 1 ? Optional.of(suites.get(0)) : Optional.empty();
    }

    /**
     * One of the kernels this one expands into: suite {@code suite} (empty: the host's), ABI
     * {@code abi}, named {@code NAME-SUITE-ABI} (or {@code NAME-ABI}): readable in cell ids, stable
     * while the archive serves that ABI.
     */
    public KernelSource expanded(Optional<String> suite, String abi) {
        return new KernelSource(
                name + suite.map(s -> "-" + s).orElse("") + "-" + abi,
                kind,
                abi,
                config,
                fragments,
                pos,
                symvers,
                boot,
                root,
                moduleSig,
                distribution,
                suite.map(List::of).orElse(List.of()));
    }

    /** Whether kforge can boot this kernel under QEMU: Debian's kernels (their image packages) and source kernels with boot. */
    public boolean bootable() {
        return kind == Kind.DISTRO || (kind == Kind.SOURCE && boot);
    }

    /** This kernel, built inside toolchain root {@code rootName} (its compiler and kbuild run there). */
    public KernelSource withRoot(String rootName) {
        return new KernelSource(
                name,
                kind,
                path,
                config,
                fragments,
                pos,
                symvers,
                boot,
                Optional.of(rootName),
                moduleSig,
                distribution,
                suites);
    }
}
