package dev.kforge.kbuild;

import dev.kforge.core.KforgeException;
import dev.kforge.core.cache.CacheDirs;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.digest.DigestMemo;
import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.exec.StepContext;
import dev.kforge.core.exec.StepExecutor;
import dev.kforge.core.exec.StepResult;
import dev.kforge.core.model.SigningKey;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Step;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

/**
 * Runs kernel steps with make and Kbuild: PREPARE through {@link TreePreparer}, BUILD (a cell)
 * through {@link ModuleBuilder}; an I/O failure is an environment error naming the step.
 */
public final class KbuildStepExecutor implements StepExecutor {

    static final String MARKER = ".kforge-tree.json";

    private final Roots roots;
    private final ProcessRunner runner;
    private final Catalog catalog;
    private final CacheDirs cache;
    private final SortedMap<String, String> tools;
    private final Optional<Duration> stepTimeout;
    private final Optional<SigningKey> signingKey;
    private final Map<String, String> env;
    private final Optional<DigestMemo> memo;

    /**
     * @param tools the plan's tool identities, recorded in metadata.json
     * @param stepTimeout wall-clock limit for one step's commands together
     */
    public KbuildStepExecutor(
            Roots roots,
            ProcessRunner runner,
            Catalog catalog,
            CacheDirs cache,
            SortedMap<String, String> tools,
            Optional<Duration> stepTimeout) {
        this(roots, runner, catalog, cache, tools, stepTimeout, Optional.empty(), Map.of(), Optional.empty());
    }

    /**
     * @param signingKey the key SIGN steps sign with (a secret: it reaches only sign-file's environment)
     * @param env the user's environment, for KBUILD_SIGN_PIN (a key's passphrase)
     * @param memo the run's stat cache, for the trees' .config and Module.symvers every cell's build digests
     */
    public KbuildStepExecutor(
            Roots roots,
            ProcessRunner runner,
            Catalog catalog,
            CacheDirs cache,
            SortedMap<String, String> tools,
            Optional<Duration> stepTimeout,
            Optional<SigningKey> signingKey,
            Map<String, String> env,
            Optional<DigestMemo> memo) {
        this.memo = memo;
        this.signingKey = signingKey;
        this.env = Map.copyOf(env);
        this.roots = roots;
        this.runner = runner;
        this.catalog = catalog;
        this.cache = cache;
        this.tools = tools;
        this.stepTimeout = stepTimeout;
    }

    /** Kbuild's compiler probes memoised beside the trees (bound into toolchain roots), unless turned off. */
    private Optional<ProbeMemo> probeMemo() {
        String off = env.getOrDefault(ProbeMemo.OFF, "");
        return off.isEmpty() || off.equals("0")
                ? Optional.of(new ProbeMemo(cache.trees().resolve(".kbuild-probes")))
                : Optional.empty();
    }

    @Override
    public StepResult execute(Step step, StepContext context) throws InterruptedException {
        Make make = new Make(roots, runner, stepTimeout);
        try {
            return switch (step.kind()) {
                case PREPARE -> new TreePreparer(roots, make, cache).prepare(step);
                case SYMVERS -> new SymversBuilder(roots, make).build(step);
                case SIGN -> new ModuleSigner(roots, runner, signingKey, env).sign(step, context);
                default -> new ModuleBuilder(roots, make, catalog, tools, probeMemo(), memo).build(step, context);
            };
        } catch (IOException e) {
            throw KforgeException.environment(step.id() + ": " + e.getMessage(), "check free space and permissions");
        } catch (UncheckedIOException e) {
            throw KforgeException.environment(
                    step.id() + ": " + e.getCause().getMessage(), "check free space and permissions");
        }
    }
}
