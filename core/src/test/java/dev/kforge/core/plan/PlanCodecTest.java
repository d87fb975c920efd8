package dev.kforge.core.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.json.CanonicalJson;
import dev.kforge.core.json.RecordTrees;
import dev.kforge.core.manifest.ManifestLoader;
import dev.kforge.core.model.Workspace;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plan cache's form of a plan: what it decodes is the plan that was encoded, in every accessor. */
public class PlanCodecTest {

    @TempDir
    Path dir;

    /** Encodes {@code plan} to JSON text and back, and checks that nothing was lost. */
    public static void assertRoundTrips(BuildPlan plan) {
        BuildPlan back =
                PlanCodec.decode((Map<?, ?>) CanonicalJson.read(CanonicalJson.compact(PlanCodec.encode(plan))));
        assertThat(back.format()).isEqualTo(plan.format());
        assertThat(back.steps()).isEqualTo(plan.steps());
        assertThat(back.skipped()).isEqualTo(plan.skipped());
        assertThat(back.kernels()).isEqualTo(plan.kernels());
        assertThat(back.tools()).isEqualTo(plan.tools());
        assertThat(back.cells()).isEqualTo(plan.cells());
        assertThat(back.withTests()).isEqualTo(plan.withTests());
        assertThat(back.tests()).isEqualTo(plan.tests());
        assertThat(back.untested()).isEqualTo(plan.untested());
        assertThat(back.planHash()).isEqualTo(plan.planHash());
        assertThat(CanonicalJson.write(back.toTree())).isEqualTo(CanonicalJson.write(plan.toTree()));
    }

    @Test
    void aPlanWithSkipsDependenciesAndRustRoundTrips() {
        BuildPlan plan = FakeStepPlanners.planner().plan(PlanInputs.input(dir));
        assertThat(plan.skipped()).isNotEmpty();
        assertThat(plan.steps())
                .anyMatch(s -> !s.deps().isEmpty())
                .anyMatch(s -> !s.env().isEmpty());
        assertThat(plan.cells()).isNotEmpty();
        assertRoundTrips(plan);
    }

    @Test
    void theExamplesLoadedManifestRoundTrips() {
        Path manifest = Path.of(System.getProperty("kforge.repo", ".."))
                .toAbsolutePath()
                .normalize()
                .resolve("examples/kforge.toml");
        Workspace ws = new ManifestLoader(Catalog.builtIn()).load(manifest, "kforge.toml");
        assertThat(ws.signing()).isPresent();
        assertThat(ws.drivers()).anyMatch(d -> !d.cargo().isEmpty());
        Object tree = CanonicalJson.read(CanonicalJson.compact(RecordTrees.encode(ws)));
        assertThat(RecordTrees.decode(tree, Workspace.class)).isEqualTo(ws);
    }

    @Test
    void theExamplesKernelLinesSweepNamesEveryLineForTheCDriversOnX86AndArm64() {
        Path manifest = Path.of(System.getProperty("kforge.repo", ".."))
                .toAbsolutePath()
                .normalize()
                .resolve("examples/lines.toml");
        Workspace ws = new ManifestLoader(Catalog.builtIn()).load(manifest, "lines.toml");
        assertThat(ws.kernel("lines").orElseThrow().suites())
                .containsExactly(
                        "bullseye",
                        "bookworm",
                        "bookworm-backports",
                        "trixie",
                        "trixie-backports",
                        "sid",
                        "experimental");
        assertThat(ws.kernel("lines").orElseThrow().path()).isEqualTo("latest");
        assertThat(ws.drivers()).extracting(d -> d.name()).containsExactly("kf_core", "kf_user");
        assertThat(ws.matrices())
                .singleElement()
                .satisfies(m -> assertThat(m.arches()).containsExactly("x86_64", "arm64"));
    }

    @Test
    void aTreeThatIsNotAPlanIsRefused() {
        Map<String, Object> m =
                new LinkedHashMap<>(PlanCodec.encode(FakeStepPlanners.planner().plan(PlanInputs.input(dir))));
        m.put("skipped", List.of(Map.of("cell", List.of("only", "three", "parts"), "reason", "r")));
        assertThatThrownBy(() -> PlanCodec.decode(m)).isInstanceOf(IllegalArgumentException.class);
        m.put("steps", "not a list");
        assertThatThrownBy(() -> PlanCodec.decode(m)).isInstanceOf(IllegalArgumentException.class);
    }
}
