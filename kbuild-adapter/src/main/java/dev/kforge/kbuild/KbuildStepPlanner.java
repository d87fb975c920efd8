package dev.kforge.kbuild;

import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.Driver;
import dev.kforge.core.model.Language;
import dev.kforge.core.model.Target;
import dev.kforge.core.model.Toolchain;
import dev.kforge.core.plan.KernelStepPlanner;
import dev.kforge.core.plan.Planner;
import dev.kforge.core.plan.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Writes the kernel steps kforge runs with make and Kbuild: a tree's configuration and
 * modules_prepare (defconfig or the user's config, fragments merged, CONFIG_RUST turned on for
 * Rust trees, olddefconfig), and a cell's out-of-tree {@code make M=} build, each with the make
 * variables its tree was prepared with (the O= tree does not remember them).
 */
public final class KbuildStepPlanner implements KernelStepPlanner {

    @Override
    public String compilerProgram(Architecture arch, Toolchain tc) {
        return tc.usesCrossCompile() ? arch.crossCompile() + tc.compiler() : tc.compiler();
    }

    @Override
    public List<String> tools() {
        return List.of("make");
    }

    @Override
    public Step prepare(TreeRequest r) {
        return TreeSteps.prepare(r);
    }

    @Override
    public Step symvers(Step prepare) {
        return TreeSteps.symvers(prepare);
    }

    @Override
    public Step build(CellRequest r) {
        Driver d = r.driver();
        Target t = r.target();
        String buildDir = "${build}/" + t.kernel() + "/" + t.archToolchain() + "/" + d.name();
        String outDir = "${out}/" + t.kernel() + "/" + t.archToolchain() + "/" + d.name();
        String src = r.kernelRoot();
        Optional<String> tree = r.prepare().map(p -> p.attribute("tree"));
        List<String> symvers = d.dependsOn().stream()
                .map(dep -> "${build}/" + t.kernel() + "/" + t.archToolchain() + "/" + dep + "/Module.symvers")
                .sorted()
                .toList();
        List<List<String>> commands = List.of(
                List.of("rm", "-rf", buildDir),
                List.of("mkdir", "-p", buildDir),
                List.of("cp", "-a", "${workspace}/" + d.path() + "/.", buildDir),
                moduleMake(r, buildDir, tree, symvers));
        List<String> deps = new ArrayList<>();
        r.prepare().ifPresent(p -> deps.add(p.id()));
        r.symvers().ifPresent(sv -> deps.add(sv.id()));
        d.dependsOn().stream().sorted().forEach(dep -> deps.add(r.dependencies().get(dep)));
        List<String> inputs = new ArrayList<>(List.of("${workspace}/" + d.path(), tree.orElse(src)));
        r.kernel().root().ifPresent(root -> inputs.add("${kernel:" + Planner.toolchainRoot(root) + "}"));
        inputs.addAll(symvers);

        SortedMap<String, String> attrs = buildAttributes(r, buildDir, outDir);
        attrs.put("tree", tree.orElse(src));
        return new Step(
                "build/" + d.name() + "/" + t.id(),
                Step.Kind.BUILD,
                commands,
                KbuildArgs.moduleEnv(),
                "${workspace}",
                inputs,
                // The published directory, and the Module.symvers drivers that depend on this one read.
                List.of(outDir + "/", buildDir + "/Module.symvers"),
                deps,
                attrs);
    }

    /** {@code make M=... modules} with the flags that make the module bit-identical wherever it is built. */
    private static List<String> moduleMake(
            CellRequest r, String buildDir, Optional<String> tree, List<String> symvers) {
        Driver d = r.driver();
        List<String> make = new ArrayList<>(KbuildArgs.make(r.kernelRoot(), tree, r.arch(), r.tc(), r.rust()));
        make.add("M=" + buildDir);
        make.add("-j${jobs}");
        // Paths of the per-cell directory must not reach the .ko: it then builds bit-identical anywhere.
        // From 6.13 Kbuild compiles an external module in its own directory: that directory itself (DWARF's
        // comp_dir, no trailing slash) must be mapped too. The last matching map wins (gcc and rustc alike).
        make.add("KCFLAGS=-ffile-prefix-map=" + buildDir + "=. -ffile-prefix-map=" + buildDir + "/=");
        if (d.language() == Language.RUST) {
            make.add("KRUSTFLAGS=--remap-path-prefix=" + buildDir + "=. --remap-path-prefix=" + buildDir + "/=");
        }
        boolean distroSymvers = r.prepare()
                .map(p -> p.attributes().containsKey("distroHeaders"))
                .orElse(false);
        if (r.prepare().isPresent() && r.symvers().isEmpty() && !distroSymvers) {
            // modules_prepare writes no Module.symvers, so every kernel symbol is unresolved; from 6.12
            // modpost fails on that unless told to warn (6.1 warns by default). The warnings are surfaced.
            make.add("KBUILD_MODPOST_WARN=1");
        }
        if (!symvers.isEmpty()) {
            make.add("KBUILD_EXTRA_SYMBOLS=" + String.join(" ", symvers));
        }
        d.makeVariables().forEach((k, v) -> make.add(k + "=" + v));
        make.add("modules");
        return make;
    }

    private static SortedMap<String, String> buildAttributes(CellRequest r, String buildDir, String outDir) {
        Driver d = r.driver();
        KernelFacts facts = r.facts();
        SortedMap<String, String> attrs = new TreeMap<>();
        attrs.put("driver", d.name());
        attrs.put("kernel", r.target().kernel());
        attrs.put("arch", r.arch().key());
        attrs.put("toolchain", r.tc().key());
        attrs.put("language", d.language().key());
        attrs.put("source", "${workspace}/" + d.path());
        attrs.put("sourcePath", d.path());
        attrs.put("buildDir", buildDir);
        attrs.put("outDir", outDir);
        attrs.put("requires", String.join(",", d.requires()));
        r.kernel().root().ifPresent(root -> attrs.put("root", Planner.toolchainRoot(root)));
        if (d.timeoutSeconds() > 0) {
            attrs.put("timeoutSeconds", Long.toString(d.timeoutSeconds()));
        }
        facts.release().ifPresent(rel -> attrs.put("release", rel));
        if (!facts.provenance().isEmpty()) {
            // Where a fetched tree came from (package, version, sha256), for metadata.json.
            attrs.put(
                    "kernelPackages",
                    String.join(
                            ",",
                            facts.provenance().entrySet().stream()
                                    .map(e -> e.getKey() + "=" + e.getValue())
                                    .toList()));
        }
        return attrs;
    }

    /**
     * Signs with the tree's own sign-file: {@code ${module_sig_hash}} is the tree's
     * CONFIG_MODULE_SIG_HASH, {@code ${module}} each built module, {@code ${signed}} its signed copy;
     * the key is a secret and reaches sign-file only through its environment (KFORGE_SIGNING_KEY),
     * so the plan names it by that variable.
     */
    @Override
    public Step sign(Step build, String cert) {
        String tree = build.attribute("tree");
        List<List<String>> commands = List.of(List.of(
                tree + "/scripts/sign-file",
                "${module_sig_hash}",
                "$KFORGE_SIGNING_KEY",
                cert,
                "${module}",
                "${signed}"));
        SortedMap<String, String> attrs = new TreeMap<>();
        for (String a : List.of(
                "driver", "kernel", "arch", "toolchain", "outDir", "buildDir", "tree", "root", "timeoutSeconds")) {
            if (build.attributes().containsKey(a)) {
                attrs.put(a, build.attribute(a));
            }
        }
        attrs.put("signFile", tree + "/scripts/sign-file");
        attrs.put("cert", cert);
        List<String> inputs = new ArrayList<>(List.of(cert, tree));
        build.inputs().stream().filter(i -> i.startsWith("${kernel:")).forEach(inputs::add);
        return new Step(
                "sign/" + build.id().substring("build/".length()),
                Step.Kind.SIGN,
                commands,
                KbuildArgs.env(),
                "${workspace}",
                inputs,
                List.of(build.attribute("outDir") + "/"),
                List.of(build.id()),
                attrs);
    }
}
