package dev.kforge.core.plan;

import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.RustTools;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.Driver;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.Target;
import dev.kforge.core.model.Toolchain;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Port: how kernel work is run, step by step. The {@link Planner} decides which trees and cells
 * there are, names them and orders them; an implementation (the Kbuild adapter) writes each
 * step's commands, environment, inputs and attributes. Implementations must be pure: the same
 * request gives the same step, byte for byte, so plans stay reproducible.
 */
public interface KernelStepPlanner {

    /** The compiler program a target runs ({@code aarch64-linux-gnu-gcc}, {@code clang}); its identity keys trees. */
    String compilerProgram(Architecture arch, Toolchain tc);

    /** Programs every kernel step runs besides the compilers (make). */
    List<String> tools();

    /** The step that configures and prepares {@code tree} for one target of a source kernel. */
    Step prepare(TreeRequest request);

    /**
     * The step that builds a prepared tree's vmlinux and in-tree modules once, so the tree gets
     * the Module.symvers modules_prepare never writes; it depends on {@code prepare}.
     */
    Step symvers(Step prepare);

    /** The step that builds one driver for one target (a cell). */
    Step build(CellRequest request);

    /**
     * The step that signs a built cell's modules with the tree's {@code scripts/sign-file} and
     * publishes the signed copies in the cell's out/ directory; it depends on {@code build}.
     *
     * @param cert the certificate, in plan form ({@code ${workspace}/...})
     */
    Step sign(Step build, String cert);

    /**
     * One tree to prepare.
     *
     * @param id the step id the planner gives it
     * @param tree the tree's directory, under {@code ${trees}}
     * @param sourceDateEpoch the build time tree steps are given, for reproducible trees
     * @param moduleSig whether the tree is configured for module signing (CONFIG_MODULE_SIG, so it
     *     has scripts/sign-file), with the kernel's own force and trusted-keys options
     * @param base for a distribution kernel's Rust tree: the distribution's source and headers tree
     *     it is made from; empty for a source kernel's tree
     */
    record TreeRequest(
            String id,
            KernelSource kernel,
            KernelFacts facts,
            Architecture arch,
            Toolchain tc,
            Optional<RustTools> rust,
            String tree,
            long sourceDateEpoch,
            boolean moduleSig,
            Optional<DistroBase> base) {
        public TreeRequest {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(rust, "rust");
            Objects.requireNonNull(tree, "tree");
            Objects.requireNonNull(base, "base");
        }
    }

    /**
     * What a distribution kernel's Rust tree is made from: the distribution's source of that kernel,
     * configured with the .config of its headers tree, whose Module.symvers, release and BTF vmlinux
     * are then laid over it, and whose Rust exports it must match before first use.
     *
     * @param source the source's plan root ({@code ${kernel:NAME.source}})
     * @param headers the headers tree's plan root ({@code ${kernel:NAME+ARCH}})
     * @param release the kernel release the headers carry (vermagic's first word)
     */
    record DistroBase(String source, String headers, String release) {
        public DistroBase {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(headers, "headers");
            Objects.requireNonNull(release, "release");
        }
    }

    /**
     * One cell to build.
     *
     * @param prepare the tree step it builds on; empty for a headers tree that needs none
     * @param symvers the step that gives that tree its Module.symvers, when the kernel asks for one
     * @param facts the kernel tree's facts (for a distribution kernel: the tree of this architecture)
     * @param kernelRoot the plan root of the kernel's tree ({@code ${kernel:NAME}}, {@code ${kernel:NAME+ARCH}})
     * @param dependencies the build step id of each driver this one depends on, for this target
     */
    record CellRequest(
            KernelSource kernel,
            KernelFacts facts,
            String kernelRoot,
            Architecture arch,
            Toolchain tc,
            Driver driver,
            Target target,
            Optional<Step> prepare,
            Optional<Step> symvers,
            Map<String, String> dependencies,
            Optional<RustTools> rust) {
        public CellRequest {
            Objects.requireNonNull(prepare, "prepare");
            Objects.requireNonNull(symvers, "symvers");
            dependencies = Map.copyOf(dependencies);
            Objects.requireNonNull(rust, "rust");
        }
    }
}
