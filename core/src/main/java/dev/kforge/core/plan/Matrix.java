package dev.kforge.core.plan;

import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.Cell;
import dev.kforge.core.model.Driver;
import dev.kforge.core.model.Language;
import dev.kforge.core.model.MatrixSpec;
import dev.kforge.core.model.SourcePos;
import dev.kforge.core.model.Target;
import dev.kforge.core.model.Workspace;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/** The manifest's matrices expanded: which targets exist, which drivers each covers, which cells an exclude removed. */
public final class Matrix {

    private Matrix() {}

    /** The union of the matrices' targets, sorted. */
    public static SortedSet<Target> targets(Workspace ws) {
        SortedSet<Target> included = new TreeSet<>();
        for (MatrixSpec m : ws.matrices()) {
            for (Target t : product(m)) {
                if (m.excludes().stream().noneMatch(e -> e.matches(t))) {
                    included.add(t);
                }
            }
        }
        return included;
    }

    /** Kernels that some applicable Rust cell builds against: they need a Rust toolchain chosen. */
    public static SortedSet<String> rustKernels(Catalog catalog, Workspace ws, Map<String, KernelFacts> facts) {
        SortedSet<String> out = new TreeSet<>();
        for (Target t : targets(ws)) {
            KernelFacts f = facts.get(t.kernel());
            Architecture arch = catalog.requireArch(t.arch());
            if (f == null || !f.rustArches().contains(arch.kernelArch())) {
                continue; // a headers tree's rustArches is its own arch when it has CONFIG_RUST=y, else empty
            }
            boolean rustCell = ws.drivers().stream()
                    .anyMatch(d -> d.language() == Language.RUST
                            && (d.arches().isEmpty() || d.arches().contains(arch.key()))
                            && covers(ws, d, t));
            if (rustCell) {
                out.add(t.kernel());
            }
        }
        return out;
    }

    /** Whether some matrix that produces {@code t} covers driver {@code d}. */
    public static boolean covers(Workspace ws, Driver d, Target t) {
        for (MatrixSpec m : ws.matrices()) {
            // The product's membership without building it: this runs for every driver and target.
            if ((m.drivers().isEmpty() || m.drivers().contains(d.name()))
                    && m.kernels().contains(t.kernel())
                    && m.arches().contains(t.arch())
                    && m.toolchains().contains(t.toolchain())
                    && m.excludes().stream().noneMatch(e -> e.matches(t))) {
                return true;
            }
        }
        return false;
    }

    /** Cells that only an exclude removed: reported as skipped, never silently dropped. */
    static List<Skip> excluded(Workspace ws) {
        List<Skip> skipped = new ArrayList<>();
        Set<Cell> seen = new TreeSet<>();
        for (MatrixSpec m : ws.matrices()) {
            for (Target t : product(m)) {
                m.excludes().stream().filter(e -> e.matches(t)).findFirst().ifPresent(e -> {
                    for (Driver d : ws.drivers()) {
                        boolean named = m.drivers().isEmpty() || m.drivers().contains(d.name());
                        if (named && !covers(ws, d, t) && seen.add(new Cell(d.name(), t))) {
                            skipped.add(new Skip(
                                    new Cell(d.name(), t), "excluded by the matrix at " + inWorkspace(e.pos())));
                        }
                    }
                });
            }
        }
        return skipped;
    }

    static List<Target> product(MatrixSpec m) {
        List<Target> out = new ArrayList<>();
        for (String k : m.kernels()) {
            for (String a : m.arches()) {
                for (String tc : m.toolchains()) {
                    out.add(new Target(k, a, tc));
                }
            }
        }
        return out;
    }

    /** Drivers ordered so that every dependency comes before its dependents; ties by name (Kahn's algorithm). */
    static List<Driver> dependencyOrder(Workspace ws) {
        Map<String, Driver> byName = new TreeMap<>();
        ws.drivers().forEach(d -> byName.put(d.name(), d));
        Map<String, Integer> waiting = new TreeMap<>();
        Map<String, List<String>> dependents = new TreeMap<>();
        for (Driver d : byName.values()) {
            waiting.put(d.name(), d.dependsOn().size());
            d.dependsOn()
                    .forEach(dep -> dependents
                            .computeIfAbsent(dep, k -> new ArrayList<>())
                            .add(d.name()));
        }
        PriorityQueue<String> ready = new PriorityQueue<>();
        waiting.forEach((name, n) -> {
            if (n == 0) {
                ready.add(name);
            }
        });
        List<Driver> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            String next = ready.poll();
            order.add(byName.get(next));
            for (String dep : dependents.getOrDefault(next, List.of())) {
                if (waiting.merge(dep, -1, Integer::sum) == 0) {
                    ready.add(dep);
                }
            }
        }
        if (order.size() != byName.size()) {
            throw new IllegalStateException("dependency cycle survived the manifest check");
        }
        return order;
    }

    /**
     * A manifest position as the plan states it: the manifest is named by its file name (it sits at
     * the workspace's root), not as {@code -f} spelled it, so the plan and its hash do not depend on
     * the current directory.
     */
    static String inWorkspace(SourcePos pos) {
        String file = pos.file();
        int slash = file.lastIndexOf('/');
        return (slash < 0 ? file : file.substring(slash + 1)) + ":" + pos.line() + ":" + pos.column();
    }
}
