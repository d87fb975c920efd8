package dev.kforge.core.service;

import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.kernel.Distributions;
import dev.kforge.core.kernel.KernelInspector;
import dev.kforge.core.kernel.RustToolchains;
import dev.kforge.core.kernel.ToolProbe;
import dev.kforge.core.kernel.ToolchainRoots;
import dev.kforge.core.plan.Planner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/** {@link PlanService}'s named settings; {@link #build()} says which required one is missing. */
public final class PlanServiceBuilder {
    Catalog catalog;
    KernelInspector kernels;
    Distributions distros;
    RustToolchains rust;
    ToolProbe tools;
    Planner planner;
    Map<String, String> environment = Map.of();
    ToLongFunction<Path> commitTime = p -> 0L;
    Function<Path, Optional<String>> revision = p -> Optional.empty();
    ToolchainRoots roots;
    BiFunction<ToolchainRoots.Facts, Path, RustToolchains> rustInRoot;
    Optional<PlanCache> cache = Optional.empty();
    String configuration = "";

    PlanServiceBuilder() {}

    public PlanServiceBuilder catalog(Catalog value) {
        this.catalog = value;
        return this;
    }

    /** Reads kernels the manifest names by path. */
    public PlanServiceBuilder kernels(KernelInspector value) {
        this.kernels = value;
        return this;
    }

    /** The distributions whose kernels the manifest names. */
    public PlanServiceBuilder distributions(Distributions value) {
        this.distros = value;
        return this;
    }

    /** The Rust toolchains on the host. */
    public PlanServiceBuilder rust(RustToolchains value) {
        this.rust = value;
        return this;
    }

    public PlanServiceBuilder tools(ToolProbe value) {
        this.tools = value;
        return this;
    }

    public PlanServiceBuilder planner(Planner value) {
        this.planner = value;
        return this;
    }

    /** The caller's environment (SOURCE_DATE_EPOCH). */
    public PlanServiceBuilder environment(Map<String, String> value) {
        this.environment = value;
        return this;
    }

    /** The last commit time of a workspace, 0 when it is not in version control. */
    /** The workspace's source revision (its commit), for what packages record; asked only when packaging. */
    public PlanServiceBuilder revision(Function<Path, Optional<String>> value) {
        this.revision = value;
        return this;
    }

    public PlanServiceBuilder commitTime(ToLongFunction<Path> value) {
        this.commitTime = value;
        return this;
    }

    /** Makes the toolchain roots kernels name ({@code root = ...}). */
    public PlanServiceBuilder toolchainRoots(ToolchainRoots value) {
        this.roots = value;
        return this;
    }

    /** The Rust toolchains inside a root, for a kernel source directory the probes may read. */
    public PlanServiceBuilder rustInRoot(BiFunction<ToolchainRoots.Facts, Path, RustToolchains> value) {
        this.rustInRoot = value;
        return this;
    }

    /** Remembered plans, with the log the adapters record planning's reads in; unset: plan every time. */
    public PlanServiceBuilder cache(PlanCache value) {
        this.cache = Optional.of(value);
        return this;
    }

    /**
     * What else planning depends on that no file says (kforge's build, the environment, the cache
     * directory, options): part of every plan cache key.
     */
    public PlanServiceBuilder configuration(String value) {
        this.configuration = value;
        return this;
    }

    public PlanService build() {
        List<String> missing = new ArrayList<>();
        Map<String, Object> required = new TreeMap<>();
        required.put("catalog", catalog);
        required.put("kernels", kernels);
        required.put("distributions", distros);
        required.put("rust", rust);
        required.put("tools", tools);
        required.put("planner", planner);
        required.put("toolchainRoots", roots);
        required.put("rustInRoot", rustInRoot);
        required.forEach((name, value) -> {
            if (value == null) {
                missing.add(name);
            }
        });
        if (!missing.isEmpty()) {
            throw new IllegalStateException("PlanService needs " + String.join(", ", missing));
        }
        return new PlanService(this);
    }
}
