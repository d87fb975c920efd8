package dev.kforge.core.service;

import dev.kforge.core.KforgeException;
import dev.kforge.core.cache.CacheDirs;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.elf.Elf;
import dev.kforge.core.exec.ProgressListener;
import dev.kforge.core.exec.Scheduler;
import dev.kforge.core.exec.StepExecutorFactory;
import dev.kforge.core.exec.StepResult;
import dev.kforge.core.model.Cell;
import dev.kforge.core.plan.BuildPlan;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@code kforge verify}: builds cells twice without the cache and compares the modules byte for byte. */
public final class VerifyService {

    private final StepExecutorFactory executors;
    private final CacheDirs cache;

    public VerifyService(StepExecutorFactory executors, CacheDirs cache) {
        this.executors = executors;
        this.cache = cache;
    }

    /**
     * Builds each selected cell twice, bypassing the step cache, in two build directories of
     * different depth and a second apart, and compares the modules byte for byte; for a
     * difference, names the ELF sections that differ.
     */
    public List<Verification> verify(Planned planned, List<String> patterns, int jobs, Path scratch) {
        BuildPlan plan = planned.plan();
        List<Step> steps = Selection.select(plan, patterns);
        Roots shared =
                new Roots(planned.root(), planned.out(), planned.buildDir(), cache.trees(), planned.kernelDirs(), jobs);
        List<Step> prepares = steps.stream().filter(s -> s.kind().isTree()).toList();
        List<Step> builds = steps.stream()
                .filter(s -> s.kind() == Step.Kind.BUILD)
                .map(s -> s.withDeps(s.deps().stream()
                        .filter(d -> !plan.step(d).orElseThrow().kind().isTree())
                        .toList()))
                .toList();
        Scheduler scheduler = new Scheduler(jobs, false);
        List<StepResult> prepared = scheduler.run(
                prepares, executors.create(shared, plan.tools(), Optional.empty()), ProgressListener.NONE);
        Path[] outs = {scratch.resolve("a/out"), scratch.resolve("verify-second-run-with-a-longer-path/x/y/b/out")};
        List<List<StepResult>> runs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            if (i == 1) {
                try {
                    Thread.sleep(1100); // another second on the clock for anything that reads it
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new KforgeException(KforgeException.Kind.INTERRUPTED, "interrupted", "");
                }
            }
            Roots roots = new Roots(
                    planned.root(),
                    outs[i],
                    outs[i].resolveSibling("build"),
                    cache.trees(),
                    planned.kernelDirs(),
                    jobs);
            runs.add(scheduler.run(
                    builds, executors.create(roots, plan.tools(), Optional.empty()), ProgressListener.NONE));
        }
        List<Verification> out = new ArrayList<>();
        for (int i = 0; i < builds.size(); i++) {
            Cell cell = plan.cellOf(builds.get(i)).orElseThrow();
            StepResult a = runs.get(0).get(i);
            StepResult b = runs.get(1).get(i);
            if (!a.status().ok() || !b.status().ok()) {
                String why = prepared.stream()
                        .filter(p -> !p.status().ok())
                        .map(p -> p.stepId() + ": " + p.message())
                        .findFirst()
                        .orElse(!a.status().ok() ? a.message() : b.message());
                out.add(new Verification(cell.id(), "", false, List.of(), List.of(), "did not build: " + why));
                continue;
            }
            out.addAll(compare(cell, outs[0], outs[1], scratch));
        }
        return out;
    }

    /** Each module of the cell's first output against the same file of the second. */
    private static List<Verification> compare(Cell cell, Path first, Path second, Path scratch) {
        String dir = cell.target().kernel() + "/" + cell.target().archToolchain() + "/" + cell.driver();
        List<Verification> out = new ArrayList<>();
        try (var files = Files.list(first.resolve(dir))) {
            for (Path ko : files.filter(f -> f.getFileName().toString().endsWith(".ko"))
                    .sorted()
                    .toList()) {
                Path other = second.resolve(dir).resolve(ko.getFileName());
                String da = Digest.ofFile(ko).hex();
                String db = Files.isRegularFile(other) ? Digest.ofFile(other).hex() : "missing";
                List<String> sections = da.equals(db) || db.equals("missing")
                        ? List.of()
                        : Elf.read(ko).differingSections(Elf.read(other));
                out.add(new Verification(
                        cell.id(), ko.getFileName().toString(), da.equals(db), List.of(da, db), sections, ""));
            }
        } catch (IOException e) {
            throw KforgeException.environment("verify: " + e.getMessage(), "check free space in " + scratch);
        }
        return out;
    }
}
