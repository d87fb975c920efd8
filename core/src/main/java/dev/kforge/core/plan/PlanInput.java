package dev.kforge.core.plan;

import dev.kforge.core.digest.Digest;
import dev.kforge.core.kernel.BootFacts;
import dev.kforge.core.kernel.DistroRust;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.RustTools;
import dev.kforge.core.kernel.ToolchainRoots;
import dev.kforge.core.model.Packaging;
import dev.kforge.core.model.Workspace;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything the planner reads: the manifest, what was read from the kernels, the identity of the
 * tools and the digests of the workspace files that configure trees.
 *
 * @param workspace the manifest
 * @param kernels facts per kernel name
 * @param tools program name to its version line ("not found" when missing)
 * @param files workspace-relative path to content digest, for config files and fragments
 * @param rust the Rust toolchain chosen per kernel, for kernels that build Rust drivers
 * @param sourceDateEpoch the build time tree steps record (SOURCE_DATE_EPOCH, else the last commit)
 * @param tests whether to plan a TEST step for every built cell whose kernel can boot
 * @param boot what tests boot (Debian kernel images, guest userland); {@link BootFacts#NONE} without tests
 * @param toolchainRoots the toolchain roots the kernels run in, by the manifest's name
 * @param distroRust the Rust trees of distribution kernels built with Rust: each one's source, or why it has none
 * @param packages the package formats to write for every built cell (and driver), in {@code Packaging.FORMATS}
 *     order; empty for none
 * @param revision the workspace's source revision (its commit), which packages record, when known
 */
public record PlanInput(
        Workspace workspace,
        SortedMap<String, KernelFacts> kernels,
        SortedMap<String, String> tools,
        SortedMap<String, Digest> files,
        SortedMap<String, RustTools> rust,
        long sourceDateEpoch,
        boolean tests,
        BootFacts boot,
        SortedMap<String, ToolchainRoots.Facts> toolchainRoots,
        DistroRust distroRust,
        List<String> packages,
        Optional<String> revision) {

    /** A plan without packages. */
    public PlanInput(
            Workspace workspace,
            SortedMap<String, KernelFacts> kernels,
            SortedMap<String, String> tools,
            SortedMap<String, Digest> files,
            SortedMap<String, RustTools> rust,
            long sourceDateEpoch,
            boolean tests,
            BootFacts boot,
            SortedMap<String, ToolchainRoots.Facts> toolchainRoots,
            DistroRust distroRust) {
        this(
                workspace,
                kernels,
                tools,
                files,
                rust,
                sourceDateEpoch,
                tests,
                boot,
                toolchainRoots,
                distroRust,
                List.of(),
                Optional.empty());
    }

    /** A plan without Rust trees for distribution kernels. */
    public PlanInput(
            Workspace workspace,
            SortedMap<String, KernelFacts> kernels,
            SortedMap<String, String> tools,
            SortedMap<String, Digest> files,
            SortedMap<String, RustTools> rust,
            long sourceDateEpoch,
            boolean tests,
            BootFacts boot,
            SortedMap<String, ToolchainRoots.Facts> toolchainRoots) {
        this(workspace, kernels, tools, files, rust, sourceDateEpoch, tests, boot, toolchainRoots, DistroRust.NONE);
    }

    /** A plan without tests. */
    public PlanInput(
            Workspace workspace,
            SortedMap<String, KernelFacts> kernels,
            SortedMap<String, String> tools,
            SortedMap<String, Digest> files,
            SortedMap<String, RustTools> rust,
            long sourceDateEpoch) {
        this(workspace, kernels, tools, files, rust, sourceDateEpoch, false, BootFacts.NONE, new TreeMap<>());
    }

    /** A plan without toolchain roots. */
    public PlanInput(
            Workspace workspace,
            SortedMap<String, KernelFacts> kernels,
            SortedMap<String, String> tools,
            SortedMap<String, Digest> files,
            SortedMap<String, RustTools> rust,
            long sourceDateEpoch,
            boolean tests,
            BootFacts boot) {
        this(workspace, kernels, tools, files, rust, sourceDateEpoch, tests, boot, new TreeMap<>());
    }

    public PlanInput {
        Objects.requireNonNull(workspace, "workspace");
        kernels = Collections.unmodifiableSortedMap(new TreeMap<>(kernels));
        tools = Collections.unmodifiableSortedMap(new TreeMap<>(tools));
        files = Collections.unmodifiableSortedMap(new TreeMap<>(files));
        rust = Collections.unmodifiableSortedMap(new TreeMap<>(rust));
        Objects.requireNonNull(boot, "boot");
        toolchainRoots = Collections.unmodifiableSortedMap(new TreeMap<>(toolchainRoots));
        Objects.requireNonNull(distroRust, "distroRust");
        packages = Packaging.FORMATS.stream().filter(packages::contains).toList();
        Objects.requireNonNull(revision, "revision");
    }

    /** This input with other package formats. */
    public PlanInput withPackages(List<String> formats) {
        return new PlanInput(
                workspace,
                kernels,
                tools,
                files,
                rust,
                sourceDateEpoch,
                tests,
                boot,
                toolchainRoots,
                distroRust,
                formats,
                revision);
    }
}
