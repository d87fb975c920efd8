package dev.kforge.cli;

import dev.kforge.core.KforgeException;
import dev.kforge.core.exec.RootedRunner;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Step;
import dev.kforge.core.service.Planned;
import dev.kforge.core.service.Selection;
import dev.kforge.core.service.Services;
import dev.kforge.qemu.Accelerator;
import dev.kforge.qemu.QemuStepExecutor;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "explain", description = "Print the shell commands that reproduce one cell by hand.")
final class ExplainCommand implements Callable<Integer> {

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_./=:,+@%-]+");

    @ParentCommand
    KforgeCommand root;

    @Mixin
    ManifestOption manifest;

    @Parameters(paramLabel = "CELL", description = "DRIVER/KERNEL/ARCH-TOOLCHAIN, e.g. hello/v6.1/arm64-gcc")
    String cell;

    @picocli.CommandLine.Option(
            names = "--only-cell",
            description = "Print only the cell's own commands, not the tree preparation or the drivers it depends on.")
    boolean onlyCell;

    @picocli.CommandLine.Option(
            names = "--test",
            description =
                    "Explain the cell's test too: the QEMU command line that boots its kernel with its initramfs.")
    boolean test;

    @Override
    public Integer call() {
        Services service = root.services();
        Planned planned = service.plans().plan(manifest.path(root.context), manifest.display(), test);
        List<Step> steps = steps(planned);
        Roots roots = new Roots(
                planned.root(),
                planned.out(),
                planned.buildDir(),
                service.cache().trees(),
                planned.kernelDirs(),
                Runtime.getRuntime().availableProcessors());
        PrintWriter out = root.out();
        out.println("#!/bin/sh");
        out.println("# Reproduces " + cell + " by hand; kforge also checks .config, ELF machine and publishes out/.");
        out.println(
                "# kforge keeps build directories (synced by content) and memoises Kbuild's compiler probes; the modules are the same.");
        out.println("set -e");
        for (Step s : steps) {
            out.println();
            out.println("# " + s.id()
                    + (s.kind() == Step.Kind.PREPARE ? " (kforge skips this when the tree is already prepared)" : ""));
            out.println("cd " + quote(roots.resolve(s.cwd())));
            switch (s.kind()) {
                case TEST -> test(out, s, roots);
                case SIGN -> sign(out, s, roots);
                default -> commands(out, s, roots);
            }
        }
        out.flush();
        return 0;
    }

    /** The steps that explain the cell: its own (and its test's), or everything it depends on too. */
    private List<Step> steps(Planned planned) {
        if (!Selection.cellSteps(planned.plan()).containsKey(cell)) {
            String skipped = planned.plan().skipped().stream()
                    .filter(s -> s.cell().id().equals(cell))
                    .map(s -> "cell " + cell + " is skipped: " + s.reason())
                    .findFirst()
                    .orElse(null);
            if (skipped != null) {
                throw KforgeException.userInput(skipped, "nothing to explain for a skipped cell");
            }
            throw KforgeException.userInput(
                    "no cell " + cell + " in the plan",
                    "kforge plan --format text lists the cells (build/DRIVER/KERNEL/ARCH-TOOLCHAIN)");
        }
        if (test) {
            planned.plan().untested().stream()
                    .filter(s -> s.cell().id().equals(cell))
                    .findFirst()
                    .ifPresent(s -> {
                        throw KforgeException.userInput(
                                "cell " + cell + " is not tested: " + s.reason(),
                                "kforge explain without --test " + "prints its build");
                    });
        }
        if (!onlyCell) {
            return Selection.select(planned.plan(), List.of(cell));
        }
        Step build = Selection.cellSteps(planned.plan()).get(cell);
        if (!test) {
            return List.of(build);
        }
        return planned.plan().steps().stream()
                .filter(s -> planned.plan()
                                .testedCell(s)
                                .map(c -> c.id().equals(cell))
                                .orElse(false)
                        || s.equals(build))
                .toList();
    }

    private void test(PrintWriter out, Step s, Roots roots) {
        out.println("# kforge packs the initramfs (busybox, the modules in load order, a generated /init) into "
                + quote(roots.resolve(s.attribute("initramfs"))) + " when it runs this test (a test restored from"
                + " the cache writes none: kforge test --no-cache " + cell
                + " does). The guest's console is judged by markers /init prints.");
        out.println("# guest busybox: " + quote(roots.resolve(s.attribute("busybox"))));
        out.println("# kernel modules: " + quote(roots.resolve(s.attribute("kernelModules"))));
        out.println(String.join(
                " ",
                QemuStepExecutor.commandLine(s, roots, Accelerator.detect()).stream()
                        .map(ExplainCommand::quote)
                        .toList()));
    }

    /** The key is a secret: the script names it by the variable kforge passes to sign-file. */
    private static void sign(PrintWriter out, Step s, Roots roots) {
        String tree = quote(roots.resolve(s.attribute("tree")));
        out.println(
                "# set KFORGE_SIGNING_KEY to the key's path (or pkcs11: URI); kforge signs copies and swaps them in");
        out.println("hash=$(sed -n 's/^CONFIG_MODULE_SIG_HASH=\"\\(.*\\)\"$/\\1/p' " + tree
                + "/.config); hash=${hash:-sha256}");
        out.println("for m in " + quote(roots.resolve(s.attribute("outDir"))) + "/*.ko; do "
                + quote(roots.resolve(s.attribute("signFile"))) + " \"$hash\" \"$KFORGE_SIGNING_KEY\" "
                + quote(roots.resolve(s.attribute("cert")))
                + " \"$m\"; done");
    }

    /** A kernel with a toolchain root runs its commands inside it, as kforge does (bubblewrap, host directories bound). */
    private void commands(PrintWriter out, Step s, Roots roots) {
        StringBuilder env = new StringBuilder();
        s.env().forEach((k, v) -> env.append(k).append('=').append(quote(v)).append(' '));
        Optional<RootedRunner> rooted = Optional.ofNullable(s.attributes().get("root"))
                .map(r -> new RootedRunner(
                        root.context.runner(), roots.path("${kernel:" + r + "}"), roots.hostDirs(), false));
        for (List<String> argv : s.commands()) {
            boolean make = argv.get(0).equals("make");
            List<String> resolved = roots.resolve(argv);
            if (rooted.isPresent()) {
                resolved = rooted.get().wrap(resolved, roots.path(s.cwd()));
            }
            out.println((make ? env.toString() : "")
                    + String.join(
                            " ", resolved.stream().map(ExplainCommand::quote).toList()));
        }
    }

    static String quote(String s) {
        if (!s.isEmpty() && SAFE.matcher(s).matches()) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
