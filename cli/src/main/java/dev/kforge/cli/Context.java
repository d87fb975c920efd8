package dev.kforge.cli;

import dev.kforge.core.cache.CacheDirs;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.digest.DigestMemo;
import dev.kforge.core.digest.Fingerprint;
import dev.kforge.core.digest.InputLog;
import dev.kforge.core.exec.LocalProcessRunner;
import dev.kforge.core.exec.MemoizingProbeRunner;
import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.exec.ProcessSpec;
import dev.kforge.core.exec.RootedRunner;
import dev.kforge.core.exec.RunnerToolProbe;
import dev.kforge.core.exec.StepExecutorFactory;
import dev.kforge.core.kernel.Distributions;
import dev.kforge.core.kernel.KernelInspector;
import dev.kforge.core.plan.Planner;
import dev.kforge.core.service.BuildService;
import dev.kforge.core.service.GatherService;
import dev.kforge.core.service.PlanCache;
import dev.kforge.core.service.PlanService;
import dev.kforge.core.service.PlanServiceBuilder;
import dev.kforge.core.service.Services;
import dev.kforge.core.service.VerifyService;
import dev.kforge.debian.DebianHeaders;
import dev.kforge.debian.DebianRoots;
import dev.kforge.kbuild.KbuildKernelInspector;
import dev.kforge.kbuild.KbuildStepExecutor;
import dev.kforge.kbuild.KbuildStepPlanner;
import dev.kforge.kbuild.OpensslSigning;
import dev.kforge.pkg.PackagePlanner;
import dev.kforge.pkg.PackageStepExecutor;
import dev.kforge.qemu.Accelerator;
import dev.kforge.qemu.QemuStepExecutor;
import dev.kforge.qemu.QemuStepPlanner;
import dev.kforge.rust.CargoStepExecutor;
import dev.kforge.rust.CargoStepPlanner;
import dev.kforge.rust.RustToolchainProbe;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/** The composition root: wires core to the adapters. Hand-written, no container. */
final class Context {

    private final Map<String, String> env;
    private final ProcessRunner runner;
    private final Path cwd;

    Context(Map<String, String> env, ProcessRunner runner, Path cwd) {
        this.env = Map.copyOf(env);
        this.runner = runner;
        this.cwd = cwd;
    }

    static Context system() {
        return new Context(
                System.getenv(), new LocalProcessRunner(), Path.of("").toAbsolutePath());
    }

    Map<String, String> env() {
        return env;
    }

    ProcessRunner runner() {
        return runner;
    }

    /** The directory relative paths on the command line start from. */
    Path cwd() {
        return cwd;
    }

    RustToolchainProbe rustToolchains(Optional<Path> rustc, CacheDirs cache) {
        return rustToolchains(rustc, cache, new InputLog());
    }

    private RustToolchainProbe rustToolchains(Optional<Path> rustc, CacheDirs cache, InputLog inputs) {
        return new RustToolchainProbe(probes(cache, inputs), env, explicitRustc(rustc), inputs);
    }

    private Optional<Path> explicitRustc(Optional<Path> rustc) {
        return rustc.or(() -> Optional.ofNullable(env.get("KFORGE_RUSTC")).map(Path::of))
                .map(cwd::resolve);
    }

    /** Probes (--version and the like) remembered across runs; see MemoizingProbeRunner. */
    ProcessRunner probes(CacheDirs cache) {
        return probes(cache, new InputLog());
    }

    private ProcessRunner probes(CacheDirs cache, InputLog inputs) {
        return new MemoizingProbeRunner(runner, cache.root().resolve("probes"), env, inputs);
    }

    /**
     * What planning depends on beyond the files it reads: kforge's own build (the stamps of its
     * class path and the JVM), the environment (but bash's $_ and $OLDPWD), the working directory,
     * the cache directory and --rustc. Part of every plan cache key.
     */
    String planConfiguration(CacheDirs cache, Optional<Path> rustc) {
        Fingerprint f = new Fingerprint("kforge-plan-configuration", 1);
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            f.add(entry).add(InputLog.stamp(cwd.resolve(entry)));
        }
        f.add(System.getProperty("java.home", "")).add(Runtime.version().toString());
        SortedMap<String, String> vars = new TreeMap<>(env);
        vars.remove("_");
        vars.remove("OLDPWD");
        f.addMap(vars)
                .add(cwd.toString())
                .add(cache.root().toString())
                .add(explicitRustc(rustc).map(Path::toString).orElse(""));
        return f.digest().hex();
    }

    /** git's last commit time of the workspace, 0 when it is not in a git checkout or git is missing. */
    long lastCommitTime(Path workspace) {
        if (!env.containsKey("GIT_DIR") && !inGitCheckout(workspace)) {
            return 0L; // no git to ask (and no failed git, with its process group to clean up, on every run)
        }
        try {
            var r = runner.run(ProcessSpec.capture(
                    List.of("git", "-C", workspace.toString(), "log", "-1", "--format=%ct"), workspace));
            String out = r.output().strip();
            return r.succeeded() && out.matches("\\d+") ? Long.parseLong(out) : 0L;
        } catch (IOException e) {
            return 0L;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0L;
        }
    }

    /** The workspace's commit (git rev-parse HEAD), when it is a git checkout. */
    Optional<String> revision(Path workspace) {
        if (!env.containsKey("GIT_DIR") && !inGitCheckout(workspace)) {
            return Optional.empty();
        }
        try {
            var r = runner.run(
                    ProcessSpec.capture(List.of("git", "-C", workspace.toString(), "rev-parse", "HEAD"), workspace));
            String out = r.output().strip();
            return r.succeeded() && out.matches("[0-9a-f]{40,64}") ? Optional.of(out) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Whether {@code dir} or a parent holds .git (a directory, or the file a worktree or submodule has). */
    static boolean inGitCheckout(Path dir) {
        for (Path d = dir.toAbsolutePath().normalize(); d != null; d = d.getParent()) {
            if (Files.exists(d.resolve(".git"))) {
                return true;
            }
        }
        return false;
    }

    CacheDirs cache(Optional<Path> flag) {
        return CacheDirs.resolve(flag.map(cwd::resolve), env);
    }

    /** The distributions whose kernels kforge fetches into {@code cache} (plan, doctor and kernels share the one wiring). */
    Distributions distributions(CacheDirs cache) {
        return distributions(cache, new KbuildKernelInspector(cache, runner, Catalog.builtIn()));
    }

    /** The registry of distribution adapters, by the name manifests give them; Debian is the host's. */
    private Distributions distributions(CacheDirs cache, KernelInspector inspector) {
        return Distributions.of(Map.of("debian", new DebianHeaders(cache, runner, inspector, env)), "debian");
    }

    /** Toolchain roots made from Debian suites in {@code cache} (plan and doctor share the one wiring). */
    DebianRoots roots(CacheDirs cache) {
        return new DebianRoots(cache, runner, env);
    }

    /** Every use case wired to the adapters: Kbuild for kernel steps, cargo for companions. */
    Services services(Optional<Path> cacheFlag, Optional<Path> rustc) {
        CacheDirs cache = cache(cacheFlag);
        Catalog catalog = Catalog.builtIn();
        Planner planner = new Planner(
                catalog, new KbuildStepPlanner(), new CargoStepPlanner(), new QemuStepPlanner(), new PackagePlanner());
        // One stat cache for the run: kernel inspection and the build share its table (read once, written once).
        DigestMemo memo = new DigestMemo(cache.digests());
        // What planning reads, recorded for the plan cache by every adapter planning calls.
        InputLog inputs = new InputLog();
        KbuildKernelInspector inspector = new KbuildKernelInspector(cache, runner, catalog, memo, inputs);
        PlanServiceBuilder plan = PlanService.builder()
                .catalog(catalog)
                .kernels(inspector)
                .distributions(distributions(cache, inspector))
                .rust(rustToolchains(rustc, cache, inputs))
                .tools(new RunnerToolProbe(probes(cache, inputs)))
                .planner(planner)
                .environment(env)
                .commitTime(this::lastCommitTime)
                .revision(this::revision)
                .toolchainRoots(new DebianRoots(cache, runner, env, inputs))
                .rustInRoot((root, source) -> RustToolchainProbe.inRoot(
                        MemoizingProbeRunner.inRoot(
                                new RootedRunner(runner, root.dir(), List.of(source, cache.root()), false),
                                cache.root().resolve("probes"),
                                root.dir(),
                                inputs),
                        root.dir(),
                        inputs))
                .configuration(planConfiguration(cache, rustc));
        if (!env.containsKey(PlanCache.OFF)) {
            plan.cache(new PlanCache(cache.root().resolve("plans"), inputs));
        }
        PlanService plans = plan.build();
        StepExecutorFactory executors = (roots, tools, timeout, signingKey) -> {
            var kbuild = new KbuildStepExecutor(
                    roots, runner, catalog, cache, tools, timeout, signingKey, env, Optional.of(memo));
            var cargo = new CargoStepExecutor(roots, runner, catalog, Path.of("/usr/lib/rustlib"), timeout);
            var qemu = new QemuStepExecutor(roots, runner, timeout, Accelerator.detect());
            var packages = new PackageStepExecutor(roots, runner, timeout);
            return (step, context) -> switch (step.kind()) {
                case PREPARE, SYMVERS, BUILD, SIGN -> kbuild.execute(step, context);
                case CARGO_TEST, CARGO_TOOL -> cargo.execute(step, context);
                case TEST -> qemu.execute(step, context);
                case PACKAGE -> packages.execute(step, context);
            };
        };
        BuildService builds = new BuildService(
                executors,
                cache,
                new OpensslSigning(runner, env, Optional.of(cache.root().resolve("signing"))),
                memo);
        return new Services(
                catalog, cache, plans, builds, new VerifyService(executors, cache), new GatherService(builds));
    }
}
