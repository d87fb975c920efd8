package dev.kforge.core.plan;

import dev.kforge.core.digest.Digest;
import dev.kforge.core.json.CanonicalJson;
import dev.kforge.core.model.Cell;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A reproducible build plan: a DAG of steps in a stable order, the skipped cells, and the identity
 * of every kernel and tool it was planned against. Its hash is the SHA-256 of its canonical JSON
 * without the hash itself.
 */
public record BuildPlan(
        int format,
        List<Step> steps,
        List<Skip> skipped,
        SortedMap<String, Map<String, String>> kernels,
        SortedMap<String, String> tools,
        Map<String, Cell> cells) {

    public BuildPlan {
        steps = List.copyOf(steps);
        skipped = List.copyOf(skipped);
        kernels = Collections.unmodifiableSortedMap(new TreeMap<>(kernels));
        tools = Collections.unmodifiableSortedMap(new TreeMap<>(tools));
        cells = Collections.unmodifiableMap(new LinkedHashMap<>(cells));
    }

    public Optional<Step> step(String id) {
        return steps.stream().filter(s -> s.id().equals(id)).findFirst();
    }

    /** The cell a BUILD step builds. */
    public Optional<Cell> cellOf(Step step) {
        return Optional.ofNullable(cells.get(step.id()));
    }

    public Digest planHash() {
        return Digest.of(CanonicalJson.compact(body()));
    }

    /** The plan as the JSON tree that {@code kforge plan} prints. */
    public Map<String, Object> toTree() {
        Map<String, Object> m = body();
        m.put("planHash", Digest.of(CanonicalJson.compact(m)).hex()); // the body is built once
        return m;
    }

    private Map<String, Object> body() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", format);
        m.put("kernels", kernels);
        m.put("tools", tools);
        m.put("steps", steps.stream().map(Step::toTree).toList());
        m.put("skipped", skipped.stream().map(s -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("cell", s.cell().id());
            e.put("reason", s.reason());
            return e;
        }).toList());
        return m;
    }
}
