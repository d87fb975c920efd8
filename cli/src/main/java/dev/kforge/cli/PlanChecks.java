package dev.kforge.cli;

import dev.kforge.core.KforgeException;
import dev.kforge.core.plan.Sharding;
import dev.kforge.core.service.Planned;
import java.util.Map;
import java.util.Optional;

/** Options shared by plan, build and gather: shards and the expected plan hash. */
final class PlanChecks {

    private PlanChecks() {}

    /** --shard I/N, else GitLab's CI_NODE_INDEX/CI_NODE_TOTAL (parallel: N jobs), else none. */
    static Optional<Sharding.Shard> shard(String flag, Map<String, String> env) {
        if (flag != null) {
            return Optional.of(Sharding.Shard.parse(flag));
        }
        String i = env.get("CI_NODE_INDEX");
        String n = env.get("CI_NODE_TOTAL");
        if (i != null && n != null && !i.isBlank() && !n.isBlank()) {
            return Optional.of(Sharding.Shard.parse(i + "/" + n));
        }
        return Optional.empty();
    }

    /** Shards must agree on the plan: a runner whose plan differs refuses to build. */
    static void expectHash(Planned planned, String expected) {
        if (expected == null) {
            return;
        }
        String actual = planned.plan().planHash().hex();
        if (!actual.equals(expected.strip())) {
            throw KforgeException.userInput(
                    "this runner's plan " + actual + " differs from the expected " + expected.strip(),
                    "the runners see different kforge.toml, sources, kernels or tools; compare kforge plan outputs");
        }
    }
}
