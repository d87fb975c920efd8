package dev.kforge.core.plan;

import dev.kforge.core.model.Cell;
import dev.kforge.core.model.Target;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A whole {@link BuildPlan} as a JSON tree and back, for the plan cache. Unlike {@link BuildPlan#toTree}
 * (what {@code kforge plan} prints), it also holds what the printed form leaves out: each BUILD and
 * TEST step's cell and the skipped cells' parts. {@code decode(encode(p))} equals {@code p} in every
 * accessor, and has its plan hash.
 */
public final class PlanCodec {

    private PlanCodec() {}

    public static Map<String, Object> encode(BuildPlan plan) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", plan.format());
        m.put("kernels", plan.kernels());
        m.put("tools", plan.tools());
        m.put("steps", plan.steps().stream().map(Step::toTree).toList());
        m.put("skipped", plan.skipped().stream().map(PlanCodec::skip).toList());
        m.put("cells", cells(plan.cells()));
        m.put("withTests", plan.withTests());
        m.put("tests", cells(plan.tests()));
        m.put("untested", plan.untested().stream().map(PlanCodec::skip).toList());
        if (!plan.packages().isEmpty()) {
            m.put("packages", cells(plan.packages())); // absent without packages: such plans keep their hash
        }
        return m;
    }

    /** The plan {@link #encode} wrote; IllegalArgumentException (or a ClassCastException) when the tree is not one. */
    public static BuildPlan decode(Map<?, ?> m) {
        List<Step> steps = new ArrayList<>();
        for (Object o : list(m.get("steps"))) {
            Map<?, ?> s = (Map<?, ?>) o;
            List<List<String>> commands = new ArrayList<>();
            for (Object c : list(s.get("commands"))) {
                commands.add(strings(c));
            }
            steps.add(new Step(
                    (String) s.get("id"),
                    kind((String) s.get("kind")),
                    commands,
                    stringMap(s.get("env")),
                    (String) s.get("cwd"),
                    strings(s.get("inputs")),
                    strings(s.get("outputs")),
                    strings(s.get("deps")),
                    stringMap(s.get("attributes"))));
        }
        SortedMap<String, Map<String, String>> kernels = new TreeMap<>();
        ((Map<?, ?>) m.get("kernels")).forEach((k, v) -> kernels.put((String) k, stringMap(v)));
        return new BuildPlan(
                ((Number) m.get("format")).intValue(),
                steps,
                skips(m.get("skipped")),
                kernels,
                stringMap(m.get("tools")),
                cellMap(m.get("cells")),
                (Boolean) m.get("withTests"),
                cellMap(m.get("tests")),
                skips(m.get("untested")),
                m.containsKey("packages") ? cellMap(m.get("packages")) : Map.of());
    }

    private static Step.Kind kind(String key) {
        return Step.Kind.valueOf(key.toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    private static Map<String, Object> skip(Skip s) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("cell", cell(s.cell()));
        e.put("reason", s.reason());
        return e;
    }

    private static List<Skip> skips(Object o) {
        List<Skip> out = new ArrayList<>();
        for (Object e : list(o)) {
            Map<?, ?> s = (Map<?, ?>) e;
            out.add(new Skip(cell(s.get("cell")), (String) s.get("reason")));
        }
        return out;
    }

    private static List<String> cell(Cell c) {
        return List.of(
                c.driver(), c.target().kernel(), c.target().arch(), c.target().toolchain());
    }

    private static Cell cell(Object o) {
        List<String> p = strings(o);
        if (p.size() != 4) {
            throw new IllegalArgumentException("a cell has four parts, not " + p);
        }
        return new Cell(p.get(0), new Target(p.get(1), p.get(2), p.get(3)));
    }

    private static Map<String, Object> cells(Map<String, Cell> cells) {
        Map<String, Object> out = new LinkedHashMap<>();
        cells.forEach((id, c) -> out.put(id, cell(c)));
        return out;
    }

    private static Map<String, Cell> cellMap(Object o) {
        Map<String, Cell> out = new LinkedHashMap<>();
        ((Map<?, ?>) o).forEach((k, v) -> out.put((String) k, cell(v)));
        return out;
    }

    private static List<?> list(Object o) {
        if (!(o instanceof List<?> l)) {
            throw new IllegalArgumentException("expected a list, not " + o);
        }
        return l;
    }

    private static List<String> strings(Object o) {
        List<String> out = new ArrayList<>();
        for (Object e : list(o)) {
            out.add((String) e);
        }
        return out;
    }

    private static SortedMap<String, String> stringMap(Object o) {
        SortedMap<String, String> out = new TreeMap<>();
        ((Map<?, ?>) o).forEach((k, v) -> out.put((String) k, (String) v));
        return out;
    }
}
