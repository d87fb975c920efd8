package dev.kforge.core.plan;

import dev.kforge.core.KforgeException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Splits a plan's steps into N shards: deterministic, disjoint, together the whole plan, and
 * balanced by estimated cost. Steps that share a prepared tree form one group (a tree is then
 * prepared on as few shards as possible; drivers that depend on each other build on one tree, so
 * they stay together); groups go to the least loaded shard, heaviest first. When there are fewer
 * groups than shards, the heaviest groups are split by cell so every shard gets work. A step that waits
 * for its dependencies whatever their outcome (a driver's DKMS package, after all of its cells) is in no
 * shard: {@code kforge gather} writes it from every shard's results.
 */
public final class Sharding {

    /** Rough wall-clock costs in seconds, measured on 2 cores (KERNEL-FACTS): they only need to rank. */
    static final int PREPARE_COST = 35;

    static final int RUST_PREPARE_COST = 85;
    static final int BUILD_COST = 4;
    /** vmlinux and the in-tree modules of a small config, once per tree. */
    static final int SYMVERS_COST = 90;

    static final int CARGO_COST = 2;
    /** Boot, load and unload under QEMU (TCG; less with KVM). */
    static final int TEST_COST = 5;

    private Sharding() {}

    /** A shard number as {@code I/N}, 1-based. */
    public record Shard(int index, int total) {
        public Shard {
            if (total < 1 || index < 1 || index > total) {
                throw KforgeException.userInput(
                        "invalid shard " + index + "/" + total, "write --shard I/N with 1 <= I <= N, e.g. --shard 2/4");
            }
        }

        public static Shard parse(String s) {
            String[] p = s.split("/");
            try {
                if (p.length == 2) {
                    return new Shard(Integer.parseInt(p[0].strip()), Integer.parseInt(p[1].strip()));
                }
            } catch (NumberFormatException e) {
                // fall through to the error
            }
            throw KforgeException.userInput("invalid shard '" + s + "'", "write --shard I/N, e.g. --shard 2/4");
        }

        @Override
        public String toString() {
            return index + "/" + total;
        }
    }

    /**
     * Step ids per shard (index 0 is shard 1), each list in plan order, closed under dependencies; together
     * every gated step of the plan.
     */
    public static List<List<String>> split(BuildPlan plan, int shards) {
        if (shards < 1) {
            throw KforgeException.userInput("the shard count must be at least 1", "");
        }
        Map<String, Step> byId = new LinkedHashMap<>();
        plan.steps().forEach(s -> byId.put(s.id(), s));
        // Group the build-like steps by the tree they need.
        Map<String, List<Step>> groups = new TreeMap<>();
        for (Step s : plan.steps()) {
            if (!s.kind().isTree() && s.gated()) {
                groups.computeIfAbsent(groupOf(plan, s, byId), k -> new ArrayList<>())
                        .add(s);
            }
        }
        List<List<Step>> units = new ArrayList<>(groups.values());
        while (units.size() < shards) {
            units.sort(Comparator.comparingLong((List<Step> g) -> -cost(g, byId))
                    .thenComparing(g -> g.get(0).id()));
            boolean split = false;
            for (int i = 0; i < units.size() && !split; i++) {
                List<List<Step>> parts = splitByCell(units.get(i), byId);
                if (parts.size() >= 2) {
                    units.remove(i);
                    units.addAll(parts);
                    split = true;
                }
            }
            if (!split) {
                break; // every unit is one cell with what depends on it
            }
        }
        units.sort(Comparator.comparingLong((List<Step> g) -> -cost(g, byId))
                .thenComparing(g -> g.get(0).id()));
        long[] load = new long[shards];
        List<Set<String>> assigned = new ArrayList<>();
        for (int i = 0; i < shards; i++) {
            assigned.add(new LinkedHashSet<>());
        }
        for (List<Step> unit : units) {
            int best = 0;
            for (int i = 1; i < shards; i++) {
                if (load[i] < load[best]) {
                    best = i;
                }
            }
            load[best] += cost(unit, byId);
            for (Step s : unit) {
                closure(s, byId, assigned.get(best));
            }
        }
        List<List<String>> out = new ArrayList<>();
        for (Set<String> ids : assigned) {
            out.add(plan.steps().stream().map(Step::id).filter(ids::contains).toList());
        }
        return out;
    }

    /** The estimated cost of a shard's step ids, for reports and tests. */
    public static long cost(BuildPlan plan, List<String> ids) {
        Map<String, Step> byId = new LinkedHashMap<>();
        plan.steps().forEach(s -> byId.put(s.id(), s));
        long c = 0;
        for (String id : ids) {
            c += own(byId.get(id));
        }
        return c;
    }

    /** The group of a build-like step: the tree step its cell's build depends on, else its cell's target. */
    private static String groupOf(BuildPlan plan, Step s, Map<String, Step> byId) {
        if (s.kind() == Step.Kind.CARGO_TEST) {
            return "cargo-test";
        }
        Step build = s;
        while (build.kind() != Step.Kind.BUILD && !build.deps().isEmpty()) {
            build = byId.get(build.deps().get(0)); // the cell's build (or sign) step comes first
        }
        for (String d : build.deps()) {
            if (byId.get(d).kind().isTree()) {
                return d;
            }
        }
        return plan.cellOf(build).map(c -> "target:" + c.target().id()).orElse(s.id());
    }

    /** Splits a group into one part per cell (a build with its cargo tools); dependents join their dependency. */
    private static List<List<Step>> splitByCell(List<Step> group, Map<String, Step> byId) {
        Map<String, List<Step>> parts = new LinkedHashMap<>();
        for (Step s : group) {
            String root = rootBuild(s, byId, group);
            parts.computeIfAbsent(root, k -> new ArrayList<>()).add(s);
        }
        return new ArrayList<>(parts.values());
    }

    private static String rootBuild(Step s, Map<String, Step> byId, List<Step> group) {
        for (String d : s.deps()) {
            Step dep = byId.get(d);
            if (!dep.kind().isTree() && group.contains(dep)) {
                return rootBuild(dep, byId, group);
            }
        }
        return s.id();
    }

    private static long cost(List<Step> unit, Map<String, Step> byId) {
        Set<String> ids = new LinkedHashSet<>();
        unit.forEach(s -> closure(s, byId, ids));
        long c = 0;
        for (String id : ids) {
            c += own(byId.get(id));
        }
        return c;
    }

    private static long own(Step s) {
        return switch (s.kind()) {
            // The planner names a Rust-enabled tree's preparation so (TreeRequests).
            case PREPARE -> s.id().endsWith("-rust") ? RUST_PREPARE_COST : PREPARE_COST;
            case SYMVERS -> SYMVERS_COST;
            case BUILD -> BUILD_COST;
            case SIGN, PACKAGE -> 1;
            case CARGO_TEST, CARGO_TOOL -> CARGO_COST;
            case TEST -> TEST_COST;
        };
    }

    private static void closure(Step s, Map<String, Step> byId, Set<String> acc) {
        if (acc.add(s.id())) {
            s.deps().forEach(d -> closure(byId.get(d), byId, acc));
        }
    }

    /** A shard count for a plan when none is given: about four cells per shard, at most {@code max}. */
    public static int defaultShards(BuildPlan plan, int max) {
        long cells =
                plan.steps().stream().filter(s -> s.kind() == Step.Kind.BUILD).count();
        return (int) Math.max(1, Math.min(max, (cells + 3) / 4));
    }
}
