package dev.kforge.core.plan;

import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.RustTools;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.Target;
import dev.kforge.core.model.Toolchain;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The {@link Planner}'s part for trees: one PREPARE step per tree however many cells build on it,
 * for a source kernel's targets and for the Rust trees of distribution kernels built with Rust.
 */
final class TreePlanning {

    private final KernelStepPlanner kernelSteps;

    TreePlanning(KernelStepPlanner kernelSteps) {
        this.kernelSteps = kernelSteps;
    }

    /**
     * The trees of one plan as they are planned.
     *
     * @param in the plan's input
     * @param prepares each tree's PREPARE step by target (and -rust)
     * @param steps the plan's steps, which each new tree step joins
     */
    record Trees(PlanInput in, Map<String, Step> prepares, Map<String, Step> steps) {}

    /** A source kernel's tree for one target (with Rust when {@code rust} is given); none for other kernels. */
    Optional<Step> source(
            Trees t,
            Target target,
            KernelSource kernel,
            KernelFacts facts,
            Architecture arch,
            Toolchain tc,
            Optional<RustTools> rust) {
        if (kernel.kind() != KernelSource.Kind.SOURCE) {
            return Optional.empty();
        }
        return Optional.of(tree(
                t,
                target.id() + (rust.isPresent() ? "-rust" : ""),
                () -> TreeRequests.of(t.in(), kernel, facts, arch, tc, rust, kernelSteps.compilerProgram(arch, tc))));
    }

    /**
     * The Rust tree of one architecture of a distribution kernel built with Rust, from the
     * distribution's source of it, configured as its headers tree {@code headers} says.
     */
    Step distroRust(
            Trees t,
            Target target,
            KernelSource kernel,
            KernelFacts headers,
            Architecture arch,
            Toolchain tc,
            RustTools rust) {
        KernelFacts source = t.in().distroRust().sources().get(kernel.name());
        if (source == null) {
            throw new IllegalArgumentException("no source gathered for the Rust tree of kernel " + kernel.name());
        }
        return tree(
                t,
                target.id() + "-rust",
                () -> TreeRequests.distroRust(
                        t.in(), kernel, source, headers, arch, tc, rust, kernelSteps.compilerProgram(arch, tc)));
    }

    private Step tree(Trees t, String key, Supplier<KernelStepPlanner.TreeRequest> request) {
        Step prepare = t.prepares().computeIfAbsent(key, k -> kernelSteps.prepare(request.get()));
        t.steps().putIfAbsent(prepare.id(), prepare);
        return prepare;
    }
}
