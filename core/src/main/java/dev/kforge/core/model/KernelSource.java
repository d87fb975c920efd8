package dev.kforge.core.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A kernel named in the manifest.
 *
 * @param name the manifest's name for it (v6.1, debian); appears in step ids and out/ paths
 * @param kind a prepared {@code HEADERS} tree, a {@code SOURCE} tree or tarball kforge prepares, or
 *     a {@code DEBIAN} kernel whose prebuilt headers kforge fetches for every architecture Debian ports
 * @param path the path as written (relative to the workspace, or absolute; the last segment may
 *     hold a {@code *} glob, the highest version wins); for DEBIAN the kernel ABI (6.1.0-56) or {@code latest}
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
        ModuleSig moduleSig) {

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
        this(name, kind, path, config, fragments, pos, symvers, boot, root, ModuleSig.DEFAULT);
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
        /** Debian's prebuilt headers (with Module.symvers) for each architecture, fetched with apt-get download. */
        DEBIAN,
        /** A headers package the user names (path: the .deb), unpacked by kforge; serves its own arch. */
        DEB
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
    }

    /** Whether kforge can boot this kernel under QEMU: Debian's kernels (their image packages) and source kernels with boot. */
    public boolean bootable() {
        return kind == Kind.DEBIAN || (kind == Kind.SOURCE && boot);
    }
}
