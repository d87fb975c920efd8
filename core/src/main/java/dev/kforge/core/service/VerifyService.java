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
import java.util.SortedSet;
import java.util.TreeSet;

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
        int moduleSteps = builds.size();
        // Packages are made from each run's (unsigned) modules: their deps become the builds that publish them.
        // (A driver's DKMS package waits for the builds of the selected cells only: its others are not in the run.)
        List<Step> runs = new ArrayList<>(builds);
        java.util.Set<String> built = new java.util.HashSet<>();
        builds.forEach(b -> built.add(b.id()));
        steps.stream()
                .filter(s -> s.kind() == Step.Kind.PACKAGE)
                .map(s -> s.withDeps(s.deps().stream()
                        .map(d -> plan.step(d).orElseThrow())
                        .filter(d -> d.kind() == Step.Kind.BUILD || d.kind() == Step.Kind.SIGN)
                        .map(d -> d.kind() == Step.Kind.SIGN ? d.deps().get(0) : d.id())
                        .filter(built::contains)
                        .distinct()
                        .toList()))
                .forEach(runs::add);
        Scheduler scheduler = new Scheduler(jobs, false);
        List<StepResult> prepared = scheduler.run(
                prepares, executors.create(shared, plan.tools(), Optional.empty()), ProgressListener.NONE);
        Path[] outs = {scratch.resolve("a/out"), scratch.resolve("verify-second-run-with-a-longer-path/x/y/b/out")};
        List<List<StepResult>> results = new ArrayList<>();
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
            results.add(scheduler.run(
                    runs, executors.create(roots, plan.tools(), Optional.empty()), ProgressListener.NONE));
        }
        List<Verification> out = new ArrayList<>();
        for (int i = 0; i < moduleSteps; i++) {
            Cell cell = plan.cellOf(builds.get(i)).orElseThrow();
            StepResult a = results.get(0).get(i);
            StepResult b = results.get(1).get(i);
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
        for (int i = moduleSteps; i < runs.size(); i++) {
            Step pkg = runs.get(i);
            StepResult a = results.get(0).get(i);
            StepResult b = results.get(1).get(i);
            if (!a.status().ok() || !b.status().ok()) {
                out.add(new Verification(
                        pkg.id(),
                        "",
                        false,
                        List.of(),
                        List.of(),
                        "not packaged: " + (!a.status().ok() ? a : b).message()));
                continue;
            }
            out.addAll(comparePackages(pkg, a, b, outs[0], outs[1]));
        }
        return out;
    }

    /** Each file a package step wrote in the first run against the same file of the second. */
    private static List<Verification> comparePackages(Step pkg, StepResult a, StepResult b, Path first, Path second) {
        List<Verification> out = new ArrayList<>();
        SortedSet<String> files = new TreeSet<>(a.artifacts().files());
        files.addAll(b.artifacts().files());
        for (String f : files) {
            Path fa = first.resolve(f);
            Path fb = second.resolve(f);
            String da = Files.isRegularFile(fa) ? Digest.ofFile(fa).hex() : "missing";
            String db = Files.isRegularFile(fb) ? Digest.ofFile(fb).hex() : "missing";
            out.add(new Verification(
                    pkg.id(), f, da.equals(db) && !da.equals("missing"), List.of(da, db), List.of(), ""));
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
