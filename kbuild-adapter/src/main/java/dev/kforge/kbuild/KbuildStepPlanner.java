package dev.kforge.kbuild;

import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.RustTools;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.Driver;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.Language;
import dev.kforge.core.model.Target;
import dev.kforge.core.model.Toolchain;
import dev.kforge.core.model.ToolchainFamily;
import dev.kforge.core.plan.KernelStepPlanner;
import dev.kforge.core.plan.Planner;
import dev.kforge.core.plan.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
        KernelSource kernel = r.kernel();
        Architecture arch = r.arch();
        Toolchain tc = r.tc();
        Optional<RustTools> rustTools = r.rust();
        boolean rust = rustTools.isPresent();
        String tree = r.tree();
        String src = "${kernel:" + kernel.name() + "}";

        List<String> make = KbuildArgs.make(src, Optional.of(tree), arch, tc, rustTools);
        List<List<String>> commands = new ArrayList<>();
        String configTarget = kernel.config().filter(c -> !c.contains("/")).orElse(arch.defconfig());
        if (kernel.config().filter(c -> c.contains("/")).isPresent()) {
            commands.add(List.of("mkdir", "-p", tree));
            commands.add(List.of("cp", "${workspace}/" + kernel.config().get(), tree + "/.config"));
        } else {
            commands.add(append(make, configTarget));
        }
        if (!kernel.fragments().isEmpty()) {
            List<String> merge = new ArrayList<>(
                    List.of(src + "/scripts/kconfig/merge_config.sh", "-m", "-O", tree, tree + "/.config"));
            kernel.fragments().forEach(f -> merge.add("${workspace}/" + f));
            commands.add(merge);
        }
        if (kernel.boot()
                && arch.boot().isPresent()
                && !arch.boot().get().config().isEmpty()) {
            // What booting under QEMU needs: a serial console, initramfs, devtmpfs, proc, sysfs, ELF binaries.
            List<String> boot = new ArrayList<>(List.of(src + "/scripts/config", "--file", tree + "/.config"));
            arch.boot().get().config().forEach(o -> boot.addAll(List.of("-e", o)));
            commands.add(boot);
        }
        List<String> expect = new ArrayList<>();
        if (r.moduleSig()) {
            // Module signing: scripts/sign-file is built and CONFIG_MODULE_SIG_HASH set; the kernel's own policy on
            // top.
            List<String> sig =
                    new ArrayList<>(List.of(src + "/scripts/config", "--file", tree + "/.config", "-e", "MODULE_SIG"));
            expect.add("CONFIG_MODULE_SIG=y");
            if (kernel.moduleSig().force()) {
                sig.addAll(List.of("-e", "MODULE_SIG_FORCE"));
                expect.add("CONFIG_MODULE_SIG_FORCE=y");
            }
            if (kernel.moduleSig().trustedKeys().isPresent()) {
                // The certificate's own signature is SHA-256 (kforge keygen, openssl's default): a kernel without it
                // loads the certificate but then fails every module with ENOENT and no message (tinyconfig has none).
                sig.addAll(List.of(
                        "--set-str",
                        "SYSTEM_TRUSTED_KEYS",
                        "${workspace}/" + kernel.moduleSig().trustedKeys().get(),
                        "-e",
                        "CRYPTO_SHA256"));
                expect.add("CONFIG_CRYPTO_SHA256=y");
            }
            commands.add(sig);
        }
        if (rust) {
            commands.add(rustConfig(src, tree, tc));
            expect.add("CONFIG_RUST=y");
        }
        commands.add(append(make, "olddefconfig"));
        commands.add(append(append(make, "-j${jobs}"), "modules_prepare"));

        List<String> inputs = new ArrayList<>(List.of(src));
        kernel.root().ifPresent(root -> inputs.add("${kernel:" + Planner.toolchainRoot(root) + "}"));
        kernel.config().filter(c -> c.contains("/")).ifPresent(c -> inputs.add("${workspace}/" + c));
        kernel.fragments().forEach(f -> inputs.add("${workspace}/" + f));
        kernel.moduleSig().trustedKeys().filter(c -> r.moduleSig()).ifPresent(c -> inputs.add("${workspace}/" + c));
        SortedMap<String, String> attrs = new TreeMap<>();
        attrs.put("kernel", kernel.name());
        attrs.put("arch", arch.key());
        attrs.put("toolchain", tc.key());
        attrs.put("tree", tree);
        attrs.put("rust", Boolean.toString(rust));
        attrs.put("expect", String.join(",", expect));
        attrs.put(
                "fragments",
                String.join(
                        ",",
                        kernel.fragments().stream()
                                .map(f -> "${workspace}/" + f)
                                .toList()));
        if (kernel.boot() && arch.boot().isPresent()) {
            attrs.put("bootImage", arch.boot().get().image());
        }
        // A toolchain root: its steps run inside it (make, the compilers, rustc and bindgen are the root's).
        kernel.root().ifPresent(root -> attrs.put("root", Planner.toolchainRoot(root)));
        return new Step(
                r.id(),
                Step.Kind.PREPARE,
                commands,
                KbuildArgs.treeEnv(r.sourceDateEpoch()),
                src,
                inputs,
                List.of(tree + "/"),
                List.of(),
                attrs);
    }

    /**
     * vmlinux and the in-tree modules, built once in a directory beside the tree with the tree's
     * .config and make variables; the executor then puts the resulting Module.symvers into the
     * tree and removes the build directory. For a bootable kernel the same make also builds the
     * image, and the in-tree modules are installed: image and modules go to the tree's
     * {@code .kforge-boot} directory (staged, then renamed in whole by the executor).
     */
    @Override
    public Step symvers(Step prepare) {
        String tree = prepare.attribute("tree");
        String full = tree + ".vmlinux";
        List<String> prepareMake = prepare.commands().get(prepare.commands().size() - 1);
        List<String> make = new ArrayList<>();
        for (String a : prepareMake.subList(0, prepareMake.size() - 2)) { // without -j and modules_prepare
            make.add(a.equals("O=" + tree) ? "O=" + full : a);
        }
        Optional<String> image = Optional.ofNullable(prepare.attributes().get("bootImage"));
        List<String> targets = append(append(append(make, "-j${jobs}"), "vmlinux"), "modules");
        List<List<String>> commands = new ArrayList<>(List.of(
                List.of("rm", "-rf", full),
                List.of("mkdir", "-p", full),
                List.of("cp", tree + "/.config", full + "/.config"),
                append(make, "olddefconfig"),
                image.map(i -> append(targets, i.substring(i.lastIndexOf('/') + 1)))
                        .orElse(targets)));
        SortedMap<String, String> attrs = new TreeMap<>(prepare.attributes());
        attrs.put("fullBuild", full);
        List<String> outputs = new ArrayList<>(List.of(tree + "/Module.symvers"));
        if (image.isPresent()) {
            String staging = tree + "/" + Planner.BOOT_DIR + ".tmp";
            commands.add(List.of("rm", "-rf", staging));
            commands.add(append(append(make, "INSTALL_MOD_PATH=" + staging), "modules_install"));
            String name = image.get().substring(image.get().lastIndexOf('/') + 1);
            commands.add(List.of("cp", full + "/" + image.get(), staging + "/" + name));
            attrs.put("boot", tree + "/" + Planner.BOOT_DIR);
            attrs.put("bootStaging", staging);
            attrs.put("bootImageName", name);
            outputs.add(tree + "/" + Planner.BOOT_DIR + "/");
        }
        String id = "symvers/" + prepare.id().substring(prepare.id().indexOf('/') + 1);
        return new Step(
                id,
                Step.Kind.SYMVERS,
                commands,
                prepare.env(),
                prepare.cwd(),
                List.of(tree),
                outputs,
                List.of(prepare.id()),
                attrs);
    }

    /**
     * Turns on CONFIG_RUST and turns off what it conflicts with (KERNEL-FACTS): WERROR (the vendored
     * alloc crate warns on newer rustc), MODVERSIONS, GCC_PLUGINS, RANDSTRUCT, DEBUG_INFO_BTF, CFI_CLANG;
     * with gcc also INIT_STACK_ALL_ZERO, whose flag libclang rejects.
     */
    private static List<String> rustConfig(String src, String tree, Toolchain tc) {
        List<String> argv = new ArrayList<>(List.of(
                src + "/scripts/config",
                "--file",
                tree + "/.config",
                "-e",
                "RUST",
                "-d",
                "WERROR",
                "-d",
                "MODVERSIONS",
                "-d",
                "GCC_PLUGINS",
                "-d",
                "RANDSTRUCT_FULL",
                "-d",
                "RANDSTRUCT_PERFORMANCE",
                "-e",
                "RANDSTRUCT_NONE",
                "-d",
                "DEBUG_INFO_BTF",
                "-d",
                "CFI_CLANG"));
        if (tc.family() == ToolchainFamily.GCC) {
            argv.addAll(List.of("-d", "INIT_STACK_ALL_ZERO", "-e", "INIT_STACK_NONE"));
        }
        return argv;
    }

    @Override
    public Step build(CellRequest r) {
        KernelSource kernel = r.kernel();
        KernelFacts facts = r.facts();
        Architecture arch = r.arch();
        Toolchain tc = r.tc();
        Driver d = r.driver();
        Target t = r.target();
        Optional<Step> prepare = r.prepare();
        Map<String, String> built = r.dependencies();
        Optional<RustTools> rust = r.rust();
        String buildDir = "${build}/" + t.kernel() + "/" + t.archToolchain() + "/" + d.name();
        String outDir = "${out}/" + t.kernel() + "/" + t.archToolchain() + "/" + d.name();
        String src = r.kernelRoot();
        Optional<String> tree = prepare.map(p -> p.attribute("tree"));
        List<String> make = new ArrayList<>(KbuildArgs.make(src, tree, arch, tc, rust));
        make.add("M=" + buildDir);
        make.add("-j${jobs}");
        // Paths of the per-cell directory must not reach the .ko: it then builds bit-identical anywhere.
        make.add("KCFLAGS=-ffile-prefix-map=" + buildDir + "/=");
        if (d.language() == Language.RUST) {
            make.add("KRUSTFLAGS=--remap-path-prefix=" + buildDir + "/=");
        }
        if (prepare.isPresent() && r.symvers().isEmpty()) {
            // modules_prepare writes no Module.symvers, so every kernel symbol is unresolved; from 6.12
            // modpost fails on that unless told to warn (6.1 warns by default). The warnings are surfaced.
            make.add("KBUILD_MODPOST_WARN=1");
        }
        List<String> symvers = d.dependsOn().stream()
                .map(dep -> "${build}/" + t.kernel() + "/" + t.archToolchain() + "/" + dep + "/Module.symvers")
                .sorted()
                .toList();
        if (!symvers.isEmpty()) {
            make.add("KBUILD_EXTRA_SYMBOLS=" + String.join(" ", symvers));
        }
        d.makeVariables().forEach((k, v) -> make.add(k + "=" + v));
        make.add("modules");

        List<List<String>> commands = List.of(
                List.of("rm", "-rf", buildDir),
                List.of("mkdir", "-p", buildDir),
                List.of("cp", "-a", "${workspace}/" + d.path() + "/.", buildDir),
                make);
        List<String> deps = new ArrayList<>();
        prepare.ifPresent(p -> deps.add(p.id()));
        r.symvers().ifPresent(sv -> deps.add(sv.id()));
        d.dependsOn().stream().sorted().forEach(dep -> deps.add(built.get(dep)));
        List<String> inputs = new ArrayList<>(List.of("${workspace}/" + d.path(), tree.orElse(src)));
        kernel.root().ifPresent(root -> inputs.add("${kernel:" + Planner.toolchainRoot(root) + "}"));
        inputs.addAll(symvers);

        SortedMap<String, String> attrs = new TreeMap<>();
        attrs.put("driver", d.name());
        attrs.put("kernel", t.kernel());
        attrs.put("arch", arch.key());
        attrs.put("toolchain", tc.key());
        attrs.put("language", d.language().key());
        attrs.put("source", "${workspace}/" + d.path());
        attrs.put("sourcePath", d.path());
        attrs.put("buildDir", buildDir);
        attrs.put("outDir", outDir);
        attrs.put("tree", tree.orElse(src));
        attrs.put("requires", String.join(",", d.requires()));
        kernel.root().ifPresent(root -> attrs.put("root", Planner.toolchainRoot(root)));
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
        return new Step(
                "build/" + d.name() + "/" + t.id(),
                Step.Kind.BUILD,
                commands,
                KbuildArgs.env(),
                "${workspace}",
                inputs,
                // The published directory, and the Module.symvers drivers that depend on this one read.
                List.of(outDir + "/", buildDir + "/Module.symvers"),
                deps,
                attrs);
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

    private static List<String> append(List<String> list, String item) {
        List<String> out = new ArrayList<>(list);
        out.add(item);
        return out;
    }
}
