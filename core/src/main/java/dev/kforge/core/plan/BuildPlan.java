package dev.kforge.core.plan;

import dev.kforge.core.digest.Digest;
import dev.kforge.core.json.CanonicalJson;
import dev.kforge.core.model.Cell;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A reproducible build plan: a DAG of steps in a stable order, the skipped cells, and the identity
 * of every kernel and tool it was planned against. Its hash is the SHA-256 of its canonical JSON
 * without the hash itself.
 */
public final class BuildPlan {

    private final int format;
    private final List<Step> steps;
    private final List<Skip> skipped;
    private final SortedMap<String, Map<String, String>> kernels;
    private final SortedMap<String, String> tools;
    private final Map<String, Cell> cells;
    private final Map<String, Step> byId;
    private final boolean withTests;
    private final Map<String, Cell> tests;
    private final List<Skip> untested;
    private final Map<String, Cell> packages;

    public BuildPlan(
            int format,
            List<Step> steps,
            List<Skip> skipped,
            SortedMap<String, Map<String, String>> kernels,
            SortedMap<String, String> tools,
            Map<String, Cell> cells) {
        this(format, steps, skipped, kernels, tools, cells, false, Map.of(), List.of());
    }

    /**
     * @param withTests whether the plan was made with tests (its JSON then lists the untested cells)
     * @param tests TEST step id to the cell it tests
     * @param untested built cells that are not tested, with the reason
     */
    public BuildPlan(
            int format,
            List<Step> steps,
            List<Skip> skipped,
            SortedMap<String, Map<String, String>> kernels,
            SortedMap<String, String> tools,
            Map<String, Cell> cells,
            boolean withTests,
            Map<String, Cell> tests,
            List<Skip> untested) {
        this(format, steps, skipped, kernels, tools, cells, withTests, tests, untested, Map.of());
    }

    /** @param packages PACKAGE step id to the cell it packages */
    public BuildPlan(
            int format,
            List<Step> steps,
            List<Skip> skipped,
            SortedMap<String, Map<String, String>> kernels,
            SortedMap<String, String> tools,
            Map<String, Cell> cells,
            boolean withTests,
            Map<String, Cell> tests,
            List<Skip> untested,
            Map<String, Cell> packages) {
        this.packages = Collections.unmodifiableMap(new LinkedHashMap<>(packages));
        this.withTests = withTests;
        this.tests = Collections.unmodifiableMap(new LinkedHashMap<>(tests));
        this.untested = List.copyOf(untested);
        this.format = format;
        this.steps = List.copyOf(steps);
        this.skipped = List.copyOf(skipped);
        this.kernels = Collections.unmodifiableSortedMap(new TreeMap<>(kernels));
        this.tools = Collections.unmodifiableSortedMap(new TreeMap<>(tools));
        this.cells = Collections.unmodifiableMap(new LinkedHashMap<>(cells));
        Map<String, Step> index = new HashMap<>();
        for (Step s : this.steps) {
            if (index.put(s.id(), s) != null) {
                throw new IllegalArgumentException("two steps named " + s.id());
            }
        }
        this.byId = index;
    }

    public int format() {
        return format;
    }

    /** Every step, dependencies before the steps that need them. */
    public List<Step> steps() {
        return steps;
    }

    public List<Skip> skipped() {
        return skipped;
    }

    public SortedMap<String, Map<String, String>> kernels() {
        return kernels;
    }

    public SortedMap<String, String> tools() {
        return tools;
    }

    /** BUILD step id to the cell it builds. */
    public Map<String, Cell> cells() {
        return cells;
    }

    /** Whether TEST steps were planned (kforge test, build --test, plan --test). */
    public boolean withTests() {
        return withTests;
    }

    /** TEST step id to the cell it tests. */
    public Map<String, Cell> tests() {
        return tests;
    }

    /** The cell a TEST step tests. */
    public Optional<Cell> testedCell(Step step) {
        return Optional.ofNullable(tests.get(step.id()));
    }

    /** PACKAGE step id to the cell it packages. */
    public Map<String, Cell> packages() {
        return packages;
    }

    /** The cell a PACKAGE step packages. */
    public Optional<Cell> packagedCell(Step step) {
        return Optional.ofNullable(packages.get(step.id()));
    }

    /** Built cells that are not tested, with the reason (their kernel cannot boot, no guest for the arch). */
    public List<Skip> untested() {
        return untested;
    }

    /** The step with this id. */
    public Optional<Step> step(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** The cell a BUILD step builds. */
    public Optional<Cell> cellOf(Step step) {
        return Optional.ofNullable(cells.get(step.id()));
    }

    private volatile Digest planHash;

    /** SHA-256 of the plan's compact canonical JSON (computed once: a 10,000-cell plan is megabytes). */
    public Digest planHash() {
        Digest h = planHash;
        if (h == null) {
            h = CanonicalJson.digest(body());
            planHash = h;
        }
        return h;
    }

    /** The plan as the JSON tree that {@code kforge plan} prints. */
    public Map<String, Object> toTree() {
        Map<String, Object> m = body();
        if (planHash == null) {
            planHash = CanonicalJson.digest(m); // the body is built once
        }
        m.put("planHash", planHash.hex());
        return m;
    }

    /**
     * The JSON tree of the steps one shard runs: the whole plan's hash (which every shard checks
     * with --expect-plan-hash), the shard as {@code I/N}, and only those steps, in plan order.
     */
    public Map<String, Object> toTree(Collection<String> stepIds, String shard) {
        Map<String, Object> m = toTree();
        Set<String> ids = new HashSet<>(stepIds);
        m.put("shard", shard);
        m.put(
                "steps",
                steps.stream()
                        .filter(s -> ids.contains(s.id()))
                        .map(Step::toTree)
                        .toList());
        return m;
    }

    private Map<String, Object> body() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", format);
        m.put("kernels", kernels);
        m.put("tools", tools);
        m.put("steps", steps.stream().map(Step::toTree).toList());
        m.put(
                "skipped",
                skipped.stream()
                        .map(s -> {
                            Map<String, Object> e = new LinkedHashMap<>();
                            e.put("cell", s.cell().id());
                            e.put("reason", s.reason());
                            return e;
                        })
                        .toList());
        if (withTests) {
            m.put(
                    "untested",
                    untested.stream()
                            .map(s -> {
                                Map<String, Object> e = new LinkedHashMap<>();
                                e.put("cell", s.cell().id());
                                e.put("reason", s.reason());
                                return e;
                            })
                            .toList());
        }
        return m;
    }
}
