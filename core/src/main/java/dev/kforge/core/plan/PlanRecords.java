package dev.kforge.core.plan;

import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.RustTools;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/** What a plan records besides its steps: the identity of every kernel root and every tool. */
final class PlanRecords {

    private PlanRecords() {}

    /** Every kernel root of the plan with what identifies it: kind, version, identity, release, packages. */
    static SortedMap<String, Map<String, String>> kernels(PlanInput in) {
        SortedMap<String, Map<String, String>> kernels = new TreeMap<>();
        for (KernelFacts f : in.kernels().values()) {
            Map<String, String> entry = kernelEntry(f);
            // A distribution kernel's kind is its distribution's name (debian).
            in.workspace()
                    .kernel(f.name())
                    .filter(k -> k.kind() == f.kind())
                    .ifPresent(k -> entry.put("kind", k.kindKey()));
            kernels.put(f.name(), entry);
            // Each tree of a distribution kernel is a kernel root of its own: steps key on its identity.
            f.arches()
                    .forEach((arch, a) ->
                            kernels.put(PlanRoot.distroTree(f.name(), arch).key(), kernelEntry(a)));
        }
        // The distribution's source each Rust tree of a distribution kernel is prepared from.
        in.distroRust().sources().forEach((kernel, src) -> {
            Map<String, String> entry = kernelEntry(src);
            entry.put("kind", "distribution-source");
            String pkg = in.distroRust().packages().get(kernel);
            if (pkg != null) {
                entry.put("package", pkg);
            }
            kernels.put(PlanRoot.distroSource(kernel).key(), entry);
        });
        // Toolchain roots: the suite and every installed package's version.
        in.toolchainRoots().forEach((name, root) -> {
            Map<String, String> k = new TreeMap<>();
            root.packages().forEach((p, v) -> k.put("package:" + p, v));
            k.put("kind", "root");
            k.put("suite", root.suite());
            k.put("identity", root.identity().hex());
            kernels.put(PlanRoot.toolchainRoot(name).key(), k);
        });
        // What tests boot: image packages and guest userland, keyed by their package digests.
        in.boot().roots().forEach((name, root) -> {
            Map<String, String> k = new TreeMap<>(root.facts());
            k.put("kind", root.kind());
            k.put("identity", root.identity().hex());
            kernels.put(name, k);
        });
        return kernels;
    }

    private static Map<String, String> kernelEntry(KernelFacts f) {
        Map<String, String> k = new TreeMap<>();
        k.put("kind", f.kind().name().toLowerCase(Locale.ROOT));
        k.put("version", f.version());
        k.put("identity", f.identity().hex());
        f.release().ifPresent(r -> k.put("release", r));
        // The compiler the kernel was built with, as its .config says: what its modules should be built with.
        String cc = f.config().getOrDefault("CONFIG_CC_VERSION_TEXT", "");
        if (!cc.isEmpty()) {
            k.put("compiler", cc);
        }
        // A prebuilt kernel built with Rust, and the rustc it names: whether Rust drivers can target it.
        String rustc = f.config().getOrDefault("CONFIG_RUSTC_VERSION_TEXT", "");
        if ("y".equals(f.config().get("CONFIG_RUST")) && !rustc.isEmpty()) {
            k.put("rustc", rustc);
        }
        k.putAll(f.provenance());
        return k;
    }

    /**
     * The plan's tools with their identities: the build tools, and the emulator of each TEST step
     * planned (only those: an untested arch's emulator would change every build's key).
     */
    static SortedMap<String, String> tools(PlanInput in, SortedSet<String> buildTools, Collection<Step> steps) {
        SortedSet<String> names = new TreeSet<>(buildTools);
        steps.stream()
                .filter(s -> s.kind() == Step.Kind.TEST)
                .forEach(s -> names.add(s.commands().get(0).get(0)));
        SortedMap<String, String> tools = new TreeMap<>();
        for (String tool : names) {
            tools.put(tool, in.tools().getOrDefault(tool, "not found"));
        }
        for (RustTools r : in.rust().values()) {
            tools.put(r.rustc(), r.rustcVersion());
            tools.put(r.bindgen(), r.bindgenVersion());
        }
        return tools;
    }
}
