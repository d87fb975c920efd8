package dev.kforge.core.service;

import dev.kforge.core.cache.StepCache;
import dev.kforge.core.cache.StepKeys;
import dev.kforge.core.plan.BuildPlan;
import dev.kforge.core.plan.Sharding;
import dev.kforge.core.plan.Step;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Which steps a run schedules: the selection, then what the cache and the mode leave out. */
final class RunSteps {

    private RunSteps() {}

    /** The steps the request asks for: its cells (with what they need), its shard, signing only with a key. */
    static List<Step> select(BuildPlan plan, BuildRequest request) {
        List<Step> selected = Selection.select(plan, request.cells());
        if (request.shard().isPresent()) {
            Sharding.Shard shard = request.shard().get();
            Set<String> ids = new HashSet<>(Sharding.split(plan, shard.total()).get(shard.index() - 1));
            selected = selected.stream().filter(s -> ids.contains(s.id())).toList();
        }
        if (request.signingKey().isEmpty() && !request.restoreOnly()) {
            // A run given no key signs nothing: kforge ide builds only for the build directories' compile commands.
            selected = selected.stream().filter(s -> s.kind() != Step.Kind.SIGN).toList();
        }
        return afterWhatRuns(selected);
    }

    /**
     * A step that waits for its dependencies whatever their outcome (a driver's DKMS package, after its
     * cells) waits for those the run has: a selection of cells leaves the others out, and the executor
     * learns which it waited for (StepContext#after).
     */
    static List<Step> afterWhatRuns(List<Step> steps) {
        Set<String> ids = new HashSet<>();
        steps.forEach(s -> ids.add(s.id()));
        return steps.stream()
                .map(s -> s.gated()
                        ? s
                        : s.withDeps(s.deps().stream().filter(ids::contains).toList()))
                .toList();
    }

    /**
     * A step expected to come from the cache needs no prepared tree: its tree dependencies are
     * deferred (run only should the restore fail), and a tree step no remaining step needs is left
     * out, so a fully cached run invokes no make at all.
     */
    static List<Step> withoutNeedlessTrees(
            List<Step> steps, Map<String, StepKeys.StepKey> keys, StepCache cache, Map<String, List<Step>> deferred) {
        Map<String, Step> byId = new LinkedHashMap<>();
        steps.forEach(s -> byId.put(s.id(), s));
        List<Step> out = new ArrayList<>();
        for (Step s : steps) {
            if (!hit(keys.get(s.id()), cache) || s.kind().isTree()) {
                out.add(s); // a tree step restored from the cache still needs its tree in place
                continue;
            }
            List<String> deps = new ArrayList<>();
            List<Step> trees = new ArrayList<>();
            for (String d : s.deps()) {
                if (byId.get(d).kind().isTree()) {
                    trees.add(byId.get(d));
                } else {
                    deps.add(d);
                }
            }
            if (!trees.isEmpty()) {
                deferred.put(s.id(), trees);
            }
            out.add(s.withDeps(deps));
        }
        // Tree steps stay only where a remaining step needs them, directly or through another tree step.
        Map<String, Step> outById = new LinkedHashMap<>();
        out.forEach(s -> outById.put(s.id(), s));
        Set<String> needed = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        out.stream().filter(s -> !s.kind().isTree()).forEach(s -> todo.addAll(s.deps()));
        while (!todo.isEmpty()) {
            String id = todo.pop();
            if (needed.add(id) && outById.containsKey(id)) {
                todo.addAll(outById.get(id).deps());
            }
        }
        return out.stream()
                .filter(s -> !s.kind().isTree() || needed.contains(s.id()))
                .toList();
    }

    /** Gather mode runs nothing: tree steps go, and the steps that waited on them wait no more. */
    static List<Step> withoutTrees(List<Step> steps) {
        Set<String> trees = new HashSet<>();
        steps.stream().filter(s -> s.kind().isTree()).forEach(s -> trees.add(s.id()));
        return steps.stream()
                .filter(s -> !trees.contains(s.id()))
                .map(s -> s.withDeps(
                        s.deps().stream().filter(d -> !trees.contains(d)).toList()))
                .toList();
    }

    private static boolean hit(StepKeys.StepKey key, StepCache cache) {
        try {
            return key != null && cache.lookup(key.key()).isPresent();
        } catch (IOException e) {
            return false;
        }
    }
}
