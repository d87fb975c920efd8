package dev.kforge.kbuild;

import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.Toolchain;
import dev.kforge.core.model.ToolchainFamily;
import dev.kforge.core.plan.KernelStepPlanner;
import dev.kforge.core.plan.Planner;
import dev.kforge.core.plan.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/** The tree steps' commands: configuring and preparing a tree (PREPARE), and building its vmlinux for Module.symvers (SYMVERS). */
final class TreeSteps {

    private TreeSteps() {}

    static Step prepare(KernelStepPlanner.TreeRequest r) {
        KernelSource kernel = r.kernel();
        Architecture arch = r.arch();
        Toolchain tc = r.tc();
        String tree = r.tree();
        String src = r.base().map(KernelStepPlanner.DistroBase::source).orElse("${kernel:" + kernel.name() + "}");

        List<String> make = KbuildArgs.make(src, Optional.of(tree), arch, tc, r.rust());
        List<String> expect = new ArrayList<>();
        List<List<String>> commands = configure(r, src, make);
        if (r.moduleSig()) {
            commands.add(signingConfig(kernel, src, tree, expect));
        }
        if (r.rust().isPresent() && r.base().isEmpty()) {
            commands.add(rustConfig(src, tree, tc));
        }
        if (r.rust().isPresent()) {
            expect.add("CONFIG_RUST=y");
        }
        commands.add(append(make, "olddefconfig"));
        commands.add(append(append(make, "-j${jobs}"), "modules_prepare"));

        List<String> inputs = new ArrayList<>(List.of(src));
        r.base().ifPresent(b -> inputs.add(b.headers()));
        kernel.root().ifPresent(root -> inputs.add("${kernel:" + Planner.toolchainRoot(root) + "}"));
        kernel.config().filter(c -> c.contains("/")).ifPresent(c -> inputs.add("${workspace}/" + c));
        kernel.fragments().forEach(f -> inputs.add("${workspace}/" + f));
        kernel.moduleSig().trustedKeys().filter(c -> r.moduleSig()).ifPresent(c -> inputs.add("${workspace}/" + c));
        return new Step(
                r.id(),
                Step.Kind.PREPARE,
                commands,
                KbuildArgs.treeEnv(r.sourceDateEpoch()),
                src,
                inputs,
                List.of(tree + "/"),
                List.of(),
                prepareAttributes(r, expect));
    }

    /** The base configuration (a defconfig target or the workspace's file), fragments merged, boot options on. */
    private static List<List<String>> configure(KernelStepPlanner.TreeRequest r, String src, List<String> make) {
        KernelSource kernel = r.kernel();
        Architecture arch = r.arch();
        String tree = r.tree();
        List<List<String>> commands = new ArrayList<>();
        String configTarget = kernel.config().filter(c -> !c.contains("/")).orElse(arch.defconfig());
        if (r.base().isPresent()) {
            // The distribution's own configuration, exactly: its headers tree's .config.
            commands.add(List.of("mkdir", "-p", tree));
            commands.add(List.of("cp", r.base().get().headers() + "/.config", tree + "/.config"));
        } else if (kernel.config().filter(c -> c.contains("/")).isPresent()) {
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
                && r.base().isEmpty()
                && arch.boot().isPresent()
                && !arch.boot().get().config().isEmpty()) {
            // What booting under QEMU needs: a serial console, initramfs, devtmpfs, proc, sysfs, ELF binaries.
            List<String> boot = new ArrayList<>(List.of(src + "/scripts/config", "--file", tree + "/.config"));
            arch.boot().get().config().forEach(o -> boot.addAll(List.of("-e", o)));
            commands.add(boot);
        }
        return commands;
    }

    /**
     * Module signing: scripts/sign-file is built and CONFIG_MODULE_SIG_HASH set; the kernel's own
     * policy on top. Adds what the prepared .config must then hold to {@code expect}.
     */
    private static List<String> signingConfig(KernelSource kernel, String src, String tree, List<String> expect) {
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
        return sig;
    }

    private static SortedMap<String, String> prepareAttributes(KernelStepPlanner.TreeRequest r, List<String> expect) {
        KernelSource kernel = r.kernel();
        Architecture arch = r.arch();
        SortedMap<String, String> attrs = new TreeMap<>();
        attrs.put("kernel", kernel.name());
        attrs.put("arch", arch.key());
        attrs.put("toolchain", r.tc().key());
        attrs.put("tree", r.tree());
        attrs.put("rust", Boolean.toString(r.rust().isPresent()));
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
        // A distribution kernel's Rust tree: what is laid over it after modules_prepare, and checked against.
        r.base().ifPresent(b -> {
            attrs.put("distroHeaders", b.headers());
            attrs.put("release", b.release());
        });
        return attrs;
    }

    /**
     * vmlinux and the in-tree modules, built once in a directory beside the tree with the tree's
     * .config and make variables; the executor then puts the resulting Module.symvers into the
     * tree and removes the build directory. For a bootable kernel the same make also builds the
     * image, and the in-tree modules are installed: image and modules go to the tree's
     * {@code .kforge-boot} directory (staged, then renamed in whole by the executor).
     */
    static Step symvers(Step prepare) {
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

    private static List<String> append(List<String> list, String item) {
        List<String> out = new ArrayList<>(list);
        out.add(item);
        return out;
    }
}
