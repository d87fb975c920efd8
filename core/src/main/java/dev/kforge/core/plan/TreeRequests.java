package dev.kforge.core.plan;

import dev.kforge.core.digest.Digest;
import dev.kforge.core.digest.Fingerprint;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.RustTools;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.Toolchain;
import java.util.List;
import java.util.Optional;

/** The trees a plan prepares: each one's step id, and its directory keyed by everything that shapes it. */
final class TreeRequests {

    private TreeRequests() {}

    /**
     * One tree to prepare: its step id, and its directory inside ${trees}: a readable prefix, then
     * a key over everything that shapes the tree.
     */
    static KernelStepPlanner.TreeRequest of(
            PlanInput in,
            KernelSource kernel,
            KernelFacts facts,
            Architecture arch,
            Toolchain tc,
            Optional<RustTools> rustTools,
            String compiler) {
        return of(in, kernel, facts, arch, tc, rustTools, compiler, Optional.empty(), Optional.empty());
    }

    /**
     * A distribution kernel's Rust tree: {@code source} (the facts of the distribution's source)
     * configured as {@code headers} (that kernel's headers tree for {@code arch}) says.
     */
    static KernelStepPlanner.TreeRequest distroRust(
            PlanInput in,
            KernelSource kernel,
            KernelFacts source,
            KernelFacts headers,
            Architecture arch,
            Toolchain tc,
            RustTools rustTools,
            String compiler) {
        KernelStepPlanner.DistroBase base = new KernelStepPlanner.DistroBase(
                PlanRoot.distroSource(kernel.name()).ref(),
                PlanRoot.distroTree(kernel.name(), arch.key()).ref(),
                headers.release().orElseThrow());
        return of(
                in,
                kernel,
                source,
                arch,
                tc,
                Optional.of(rustTools),
                compiler,
                Optional.of(base),
                Optional.of(headers));
    }

    private static KernelStepPlanner.TreeRequest of(
            PlanInput in,
            KernelSource kernel,
            KernelFacts facts,
            Architecture arch,
            Toolchain tc,
            Optional<RustTools> rustTools,
            String compiler,
            Optional<KernelStepPlanner.DistroBase> base,
            Optional<KernelFacts> headers) {
        boolean rust = rustTools.isPresent();
        Fingerprint key = new Fingerprint("kforge-tree", Planner.FORMAT)
                .add(facts.identity())
                .add(arch.key())
                .add(tc.key())
                .add(rust)
                .add(kernel.config().orElse(""))
                .add(kernel.symvers() ? "symvers" : "")
                .add(in.tools().getOrDefault(compiler, "not found"));
        rustTools.ifPresent(r -> key.add(r.rustc())
                .add(r.rustcVersion())
                .add(r.bindgen())
                .add(r.bindgenVersion())
                .add(r.rustLibSrc()));
        kernel.config().filter(c -> c.contains("/")).ifPresent(c -> key.add(fileDigest(in, c)));
        // A distribution kernel's Rust tree: its headers give the .config and what is laid over the tree.
        headers.ifPresent(h -> key.add("distro-headers").add(h.identity()));
        if (kernel.boot()) {
            key.add("boot")
                    .addStrings(arch.boot().map(Architecture.Boot::config).orElse(List.of()));
        }
        if (kernel.root().isPresent()) {
            var root = in.toolchainRoots().get(kernel.root().get());
            if (root == null) {
                throw new IllegalArgumentException(
                        "no facts for toolchain root " + kernel.root().get());
            }
            key.add("root").add(root.identity());
        }
        key.addStrings(kernel.fragments());
        kernel.fragments().forEach(f -> key.add(fileDigest(in, f)));
        // Module signing: sign-file and the hash come from the tree, the kernel's policy goes into its .config.
        KernelSource.ModuleSig sig = kernel.moduleSig();
        // A distribution kernel's tree takes its signing configuration from the distribution's .config.
        boolean moduleSig = base.isEmpty()
                && (in.workspace().signs(kernel)
                        || sig.force()
                        || sig.trustedKeys().isPresent());
        if (moduleSig) {
            key.add("module-sig").add(sig.force());
            sig.trustedKeys().ifPresent(c -> key.add(c).add(fileDigest(in, c)).add("crypto-sha256"));
        }
        String variant = arch.key() + "-" + tc.key() + (rust ? "-rust" : "");
        String tree = "${trees}/" + facts.version() + "-" + variant + "-"
                + key.digest().prefix(16);
        return new KernelStepPlanner.TreeRequest(
                "prepare/" + kernel.name() + "/" + variant,
                kernel,
                facts,
                arch,
                tc,
                rustTools,
                tree,
                in.sourceDateEpoch(),
                moduleSig,
                base);
    }

    private static Digest fileDigest(PlanInput in, String path) {
        Digest d = in.files().get(path);
        if (d == null) {
            throw new IllegalArgumentException("no digest for workspace file " + path);
        }
        return d;
    }
}
