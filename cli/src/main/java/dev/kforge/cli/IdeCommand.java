package dev.kforge.cli;

import dev.kforge.core.KforgeException;
import dev.kforge.core.exec.ProgressListener;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Step;
import dev.kforge.core.report.CellReport;
import dev.kforge.core.report.RunReport;
import dev.kforge.core.service.BuildRequest;
import dev.kforge.core.service.Planned;
import dev.kforge.core.service.Selection;
import dev.kforge.core.service.Services;
import dev.kforge.kbuild.IdeFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
        name = "ide",
        description = "Write compile_commands.json (C) and rust-project.json (Rust) into each driver's "
                + "directory for one target, so the editor sees that architecture's headers and flags.")
final class IdeCommand implements Callable<Integer> {

    @ParentCommand
    KforgeCommand root;

    @Mixin
    ManifestOption manifest;

    @Option(
            names = "--target",
            paramLabel = "KERNEL/ARCH-TOOLCHAIN",
            description = "e.g. v6.1/arm64-gcc (default: each driver's first built target).")
    String target;

    @Override
    public Integer call() throws InterruptedException {
        Services service = root.services();
        Planned planned = service.plans().plan(manifest.path(root.context), manifest.display());
        Map<String, Step> chosen = new LinkedHashMap<>();
        Selection.cellSteps(planned.plan()).forEach((cell, step) -> {
            String t = cell.substring(cell.indexOf('/') + 1);
            String driver = cell.substring(0, cell.indexOf('/'));
            if ((target == null || target.equals(t)) && !chosen.containsKey(driver)) {
                chosen.put(driver, step);
            }
        });
        if (chosen.isEmpty()) {
            throw KforgeException.userInput(
                    "no driver is built for target " + target,
                    "targets are KERNEL/ARCH-TOOLCHAIN as in kforge plan --format text, e.g. v6.1/arm64-gcc");
        }
        List<String> cells = new ArrayList<>();
        chosen.values()
                .forEach(s -> cells.add(planned.plan().cellOf(s).orElseThrow().id()));
        RunReport report = service.builds()
                .build(
                        planned,
                        BuildRequest.builder().cells(cells).useCache(false).build(),
                        ProgressListener.NONE);
        Roots roots = new Roots(
                planned.root(),
                planned.out(),
                planned.buildDir(),
                service.cache().trees(),
                planned.kernelDirs(),
                Runtime.getRuntime().availableProcessors());
        IdeFiles ide = new IdeFiles(roots, root.context.runner());
        int failures = 0;
        for (Step s : chosen.values()) {
            String cell = planned.plan().cellOf(s).orElseThrow().id();
            CellReport r = report.cells().stream()
                    .filter(c -> c.cell().id().equals(cell))
                    .findFirst()
                    .orElseThrow();
            if (r.status() != StepStatus.BUILT && r.status() != StepStatus.CACHED) {
                root.err().println("kforge: " + cell + " did not build (" + r.message() + "); no editor file for it");
                failures++;
                continue;
            }
            Path file = ide.write(s);
            root.out().println("wrote " + planned.root().relativize(file) + " for " + cell);
        }
        root.out().flush();
        root.err().flush();
        return failures == 0 ? 0 : KforgeException.Kind.BUILD.exitCode();
    }
}
