package dev.kforge.core.plan;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One unit of work in a plan: a value, like a Bazel action. Paths inside argv, cwd, inputs and
 * outputs are written against named roots ({@code ${workspace}}, {@code ${out}}, {@code ${build}},
 * {@code ${trees}}, {@code ${kernel:NAME}}) and {@code ${jobs}}, resolved only when the step runs,
 * so the plan holds no machine-specific path.
 *
 * @param id stable, readable identity ({@code build/hello/v6.1/arm64-gcc}); scripts rely on it
 * @param kind what the executor does around the commands
 * @param commands argv lists run in order; the first non-zero exit fails the step
 * @param env the environment each command gets, beyond the runner's documented pass-through
 * @param cwd working directory
 * @param inputs what the step reads
 * @param outputs what the step produces, in {@link Output}'s plan form (a directory ends in {@code /}):
 *     exactly what the step cache stores and restores
 * @param deps ids of steps that must succeed first (that must only finish first when the step is not
 *     {@link #gated()})
 * @param attributes facts the executor needs (driver, kernel, arch, toolchain, tree, ...)
 */
public record Step(
        String id,
        Kind kind,
        List<List<String>> commands,
        SortedMap<String, String> env,
        String cwd,
        List<String> inputs,
        List<String> outputs,
        List<String> deps,
        SortedMap<String, String> attributes) {

    /** What kind of work a step is. */
    public enum Kind {
        /** Configure a kernel tree for one arch and toolchain and run modules_prepare. */
        PREPARE,
        /**
         * Build a prepared tree's vmlinux and in-tree modules once, for its Module.symvers, so the
         * modules built against the tree have every kernel symbol checked.
         */
        SYMVERS,
        /** Build one driver for one target with Kbuild (a cell). */
        BUILD,
        /** Sign a built cell's modules with the kernel's scripts/sign-file and publish the signed copies. */
        SIGN,
        /** Run a driver's test crate with cargo test on the host. */
        CARGO_TEST,
        /** Cross-build a driver's userspace tool crate for one cell's architecture. */
        CARGO_TOOL,
        /**
         * Boot one cell's kernel under QEMU with an initramfs holding its modules (and those they
         * need), load them, run the driver's test script, unload them, and judge the guest's console.
         */
        TEST,
        /**
         * Write one package of built modules (a Debian package or an OCI kmod image of one cell, a
         * DKMS source package of one driver) into out/packages/, after the cell's signing and, when
         * the run tests, its passing test.
         */
        PACKAGE;

        public String key() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** Work on a kernel tree that cells build against, rather than a cell or a companion. */
        public boolean isTree() {
            return this == PREPARE || this == SYMVERS;
        }

        /**
         * Whether a result of this kind can come from the step cache: every kind but tree
         * preparation, whose tree is a directory keyed by its own content and kept in place.
         */
        public boolean cacheable() {
            return this != PREPARE;
        }

        /**
         * Whether the step's attributes shape what it runs (a test's initramfs /init is made from them),
         * so they key it; programs only such steps run (the emulators) key no other step, so that
         * planning with tests does not change a build's key.
         */
        public boolean keyedByAttributes() {
            return this == TEST || this == PACKAGE; // a package's fields (maintainer, version) are attributes
        }

        /** Where a run's reports count a step of this kind. */
        public Counted counted() {
            return switch (this) {
                case PREPARE, SYMVERS -> Counted.TREE;
                case BUILD -> Counted.CELL;
                case SIGN -> Counted.CELL_SIGNATURE;
                case CARGO_TEST, CARGO_TOOL -> Counted.COMPANION;
                case TEST -> Counted.TEST;
                case PACKAGE -> Counted.PACKAGE;
            };
        }
    }

    /** Where reports count a step: every failure is counted once, in the summary, JSON and JUnit alike. */
    public enum Counted {
        /** A kernel tree's preparation (the summary's trees). */
        TREE,
        /** A cell: one driver built for one target. */
        CELL,
        /** Part of its cell: a failed signature fails the cell. */
        CELL_SIGNATURE,
        /** A driver's cargo companion. */
        COMPANION,
        /** A cell's test under QEMU. */
        TEST,
        /** A package written into out/packages/. */
        PACKAGE
    }

    public Step {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        commands = commands.stream().map(List::copyOf).toList();
        env = Collections.unmodifiableSortedMap(new TreeMap<>(env));
        Objects.requireNonNull(cwd, "cwd");
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        outputs.forEach(Output::check); // well-formed, without a value per output on every decoded plan
        deps = List.copyOf(deps);
        attributes = Collections.unmodifiableSortedMap(new TreeMap<>(attributes));
        if (commands.isEmpty()) {
            throw new IllegalArgumentException(id + ": a step runs at least one command");
        }
    }

    /** The declared outputs as values. */
    public List<Output> declaredOutputs() {
        return outputs.stream().map(Output::parse).toList();
    }

    /**
     * The first directory output under {@code ${out}}: where a cell's published files (and, when the
     * step meets a bug, its log) go.
     */
    public Optional<String> publishDir() {
        return declaredOutputs().stream()
                .filter(o -> o.directory() && o.path().startsWith("${out}/"))
                .map(Output::path)
                .findFirst();
    }

    /**
     * The attribute that makes a step wait for its dependencies whatever their outcome ({@value #AFTER_ANY}):
     * a driver's DKMS package waits for every cell of the driver and is written from those that passed.
     * The scheduler hands such a step its dependencies' outcomes ({@code StepContext#after()}).
     */
    public static final String GATE = "gate";

    /** The value of {@link #GATE} for a step that runs after its dependencies, not only after their success. */
    public static final String AFTER_ANY = "after-any";

    /** Whether the step runs only when every dependency succeeded (every step but {@link #AFTER_ANY} ones). */
    public boolean gated() {
        return !AFTER_ANY.equals(attributes.get(GATE));
    }

    /** The same step with other dependencies. */
    public Step withDeps(List<String> newDeps) {
        return new Step(id, kind, commands, env, cwd, inputs, outputs, newDeps, attributes);
    }

    /** An attribute the planner always sets for this kind of step. */
    public String attribute(String key) {
        String v = attributes.get(key);
        if (v == null) {
            throw new IllegalStateException("step " + id + " lacks attribute " + key);
        }
        return v;
    }

    /** The JSON tree of this step (ordered keys). */
    Map<String, Object> toTree() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("kind", kind.key());
        m.put("commands", commands);
        m.put("env", env);
        m.put("cwd", cwd);
        m.put("inputs", inputs);
        m.put("outputs", outputs);
        m.put("deps", deps);
        m.put("attributes", attributes);
        return m;
    }
}
