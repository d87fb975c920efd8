package dev.kforge.core.service;

import dev.kforge.core.KforgeException;
import dev.kforge.core.model.Target;
import dev.kforge.core.model.Workspace;
import dev.kforge.core.plan.BuildPlan;
import dev.kforge.core.plan.Planner;
import dev.kforge.core.plan.Step;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Which steps a run takes: the cells a user names (globs), with everything they depend on. */
public final class Selection {

    private Selection() {}

    /**
     * Selects the build (test and package) steps whose cell matches one of {@code patterns}, with everything
     * they depend on, and the driver packages that wait for any of them.
     */
    public static List<Step> select(BuildPlan plan, List<String> patterns) {
        if (patterns.isEmpty()) {
            return plan.steps();
        }
        List<Pattern> regexes = patterns.stream().map(Selection::glob).toList();
        Set<String> wanted = new LinkedHashSet<>();
        for (Step s : plan.steps()) {
            plan.cellOf(s)
                    .or(() -> plan.testedCell(s))
                    .or(() -> plan.packagedCell(s))
                    .filter(c ->
                            regexes.stream().anyMatch(r -> r.matcher(c.id()).matches()))
                    .ifPresent(c -> closure(plan, s, wanted));
        }
        // A step that runs after its dependencies whatever their outcome (a driver's DKMS package) comes
        // with any of them, without the rest: it waits for the selected ones (RunSteps#afterWhatRuns).
        for (Step s : plan.steps()) {
            if (!s.gated() && !wanted.isEmpty() && s.deps().stream().anyMatch(wanted::contains)) {
                wanted.add(s.id());
            }
        }
        if (wanted.isEmpty()) {
            throw KforgeException.userInput(
                    "no cell matches " + String.join(" ", patterns),
                    "cells are named DRIVER/KERNEL/ARCH-TOOLCHAIN, e.g. hello/v6.1/arm64-gcc; kforge plan --format text lists them");
        }
        return plan.steps().stream().filter(s -> wanted.contains(s.id())).toList();
    }

    private static void closure(BuildPlan plan, Step s, Set<String> acc) {
        if (acc.add(s.id())) {
            s.deps().forEach(d -> closure(plan, plan.step(d).orElseThrow(), acc));
        }
    }

    static Pattern glob(String p) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '*' && i + 1 < p.length() && p.charAt(i + 1) == '*') {
                sb.append(".*");
                i++;
            } else if (c == '*') {
                sb.append("[^/]*");
            } else {
                sb.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(sb.toString());
    }

    /** Cells by id, for callers that name one. */
    public static Map<String, Step> cellSteps(BuildPlan plan) {
        Map<String, Step> m = new LinkedHashMap<>();
        for (Step s : plan.steps()) {
            if (s.kind() == Step.Kind.BUILD) {
                plan.cellOf(s).ifPresent(c -> m.put(c.id(), s));
            }
        }
        return m;
    }

    /** The sorted set of targets, re-exported for commands that list them. */
    public static List<Target> targets(Workspace ws) {
        return List.copyOf(Planner.targets(ws));
    }
}
