package dev.kforge.core.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kforge.core.KforgeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardingTest {

    @TempDir
    Path dir;

    BuildPlan plan() {
        return FakeStepPlanners.planner().plan(PlanInputs.input(dir));
    }

    @Test
    void shardsCoverThePlanExactlyOnceAndAreDeterministic() {
        BuildPlan p = plan();
        for (int n = 1; n <= 12; n++) {
            List<List<String>> shards = Sharding.split(p, n);
            assertThat(shards).hasSize(n);
            assertThat(Sharding.split(p, n)).isEqualTo(shards);
            Set<String> all = new HashSet<>();
            List<String> builds = new ArrayList<>();
            for (List<String> s : shards) {
                all.addAll(s);
                s.stream().filter(id -> !id.startsWith("prepare/")).forEach(builds::add);
            }
            assertThat(all)
                    .as("union, n=" + n)
                    .containsExactlyInAnyOrderElementsOf(
                            p.steps().stream().map(Step::id).toList());
            assertThat(builds).as("no cell runs twice, n=" + n).doesNotHaveDuplicates();
            for (List<String> s : shards) {
                for (String id : s) {
                    // every shard holds the dependencies of its steps
                    assertThat(s).containsAll(p.step(id).orElseThrow().deps());
                }
            }
        }
    }

    /** A driver's DKMS package waits for all of its cells: no shard has them all, so it is in none (gather writes it). */
    @Test
    void stepsAfterAllOfADriversCellsAreInNoShardAndPullNoCellIn() {
        BuildPlan p = FakeStepPlanners.planner()
                .plan(PlanInputs.versioned(PlanInputs.input(dir)).withPackages(List.of("dkms")));
        List<String> ungated =
                p.steps().stream().filter(s -> !s.gated()).map(Step::id).toList();
        assertThat(ungated).isNotEmpty().allMatch(id -> id.startsWith("package-dkms/"));
        List<List<String>> shards = Sharding.split(p, 3);
        Set<String> all = new HashSet<>();
        List<String> builds = new ArrayList<>();
        shards.forEach(all::addAll);
        shards.forEach(s -> s.stream().filter(id -> id.startsWith("build/")).forEach(builds::add));
        assertThat(all)
                .containsExactlyInAnyOrderElementsOf(
                        p.steps().stream().filter(Step::gated).map(Step::id).toList());
        assertThat(builds).doesNotHaveDuplicates();
    }

    @Test
    void shardsAreBalancedWithinOneTreeGroup() {
        BuildPlan p = plan();
        List<List<String>> shards = Sharding.split(p, 3);
        long max = shards.stream().mapToLong(s -> Sharding.cost(p, s)).max().orElseThrow();
        long min = shards.stream().mapToLong(s -> Sharding.cost(p, s)).min().orElseThrow();
        // No shard exceeds another by more than one tree's worth of work (a rust tree and its cells).
        assertThat(max - min).isLessThanOrEqualTo(Sharding.RUST_PREPARE_COST + 4L * Sharding.BUILD_COST);
        // Cells of one prepared tree stay on one shard when there are more trees than shards.
        for (List<String> s : shards) {
            if (s.contains("build/core/v6.1/arm64-gcc")) {
                assertThat(s).contains("build/user/v6.1/arm64-gcc", "build/armonly/v6.1/arm64-gcc");
            }
        }
    }

    @Test
    void moreShardsThanTreesSplitsByCell() {
        BuildPlan p = plan();
        long cells = p.steps().stream().filter(s -> s.kind() == Step.Kind.BUILD).count();
        List<List<String>> shards = Sharding.split(p, (int) cells);
        // user depends on core, so they share a shard; everything else spreads out
        assertThat(shards.stream()
                        .filter(s -> s.stream().anyMatch(id -> id.startsWith("build/")))
                        .count())
                .isGreaterThan(cells / 2);
    }

    @Test
    void parsesShards() {
        assertThat(Sharding.Shard.parse("2/4")).isEqualTo(new Sharding.Shard(2, 4));
        assertThatThrownBy(() -> Sharding.Shard.parse("5/4"))
                .isInstanceOf(KforgeException.class)
                .hasMessage("invalid shard 5/4");
        assertThatThrownBy(() -> Sharding.Shard.parse("x")).isInstanceOf(KforgeException.class);
    }
}
