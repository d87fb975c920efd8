package dev.kforge.rust;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.kernel.RustTools;
import dev.kforge.core.manifest.ManifestLoader;
import dev.kforge.core.model.Workspace;
import dev.kforge.core.plan.BuildPlan;
import dev.kforge.core.plan.FakeStepPlanners;
import dev.kforge.core.plan.PlanInput;
import dev.kforge.core.plan.PlanInputs;
import dev.kforge.core.plan.Planner;
import dev.kforge.core.plan.Step;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exact cargo command lines the Rust adapter plans for companion crates, the other ports faked. */
class CargoPlanTest {

    @TempDir
    Path dir;

    static final String MANIFEST = PlanInputs.MANIFEST;

    static PlanInput input(Path root) {
        return PlanInputs.input(root);
    }

    static SortedMap<String, RustTools> rust() {
        return PlanInputs.rust();
    }

    static Planner planner() {
        return FakeStepPlanners.withCompanionSteps(new CargoStepPlanner());
    }

    BuildPlan plan() {
        return planner().plan(input(dir));
    }

    Map<String, String> skips(BuildPlan p) {
        Map<String, String> m = new TreeMap<>();
        p.skipped().forEach(s -> m.put(s.cell().id(), s.reason()));
        return m;
    }

    @Test
    void cargoCompanionsBecomeStepsWithExactArgv() {
        new TestWorkspace(dir)
                .cDriver("drivers/a")
                .write("drivers/a/t/Cargo.toml", "")
                .write("drivers/a/ctl/Cargo.toml", "")
                .manifest("""
                        [[kernel]]
                        name = "v6.1"
                        source = "/x.tar.xz"
                        [[driver]]
                        name = "a"
                        path = "drivers/a"
                        [[driver.cargo]]
                        path = "drivers/a/t"
                        role = "test"
                        [[driver.cargo]]
                        path = "drivers/a/ctl"
                        role = "tool"
                        [[matrix]]
                        arches = ["arm64", "x86_64"]
                        """);
        Workspace ws = new ManifestLoader(Catalog.builtIn()).load(dir.resolve("kforge.toml"), "kforge.toml");
        var in = input(dir.resolve("other"));
        BuildPlan p = planner()
                .plan(new PlanInput(ws, in.kernels(), in.tools(), in.files(), new TreeMap<>(), in.sourceDateEpoch()));
        Step test = p.step("cargo-test/a/t").orElseThrow();
        assertThat(test.commands())
                .containsExactly(List.of(
                        "/usr/bin/cargo",
                        "test",
                        "--offline",
                        "--manifest-path",
                        "${workspace}/drivers/a/t/Cargo.toml",
                        "--target-dir",
                        "${build}/cargo/a/t/host"));
        assertThat(test.env()).containsEntry("RUSTC", "/usr/bin/rustc");
        Step tool = p.step("cargo-tool/a/ctl/v6.1/arm64-gcc").orElseThrow();
        assertThat(tool.commands())
                .containsExactly(List.of(
                        "/usr/bin/cargo",
                        "build",
                        "--offline",
                        "--manifest-path",
                        "${workspace}/drivers/a/ctl/Cargo.toml",
                        "--target-dir",
                        "${build}/cargo/a/ctl/arm64",
                        "--release",
                        "--target",
                        "aarch64-unknown-linux-gnu"));
        assertThat(tool.env()).containsEntry("CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER", "aarch64-linux-gnu-gcc");
        assertThat(tool.deps()).containsExactly("build/a/v6.1/arm64-gcc");
        assertThat(tool.attribute("outDir")).isEqualTo("${out}/v6.1/arm64-gcc/a/tools/ctl");
        assertThat(p.tools()).containsKeys("/usr/bin/cargo", "/usr/bin/rustc");
    }

    static List<String> concat(List<String> a, String... more) {
        var out = new ArrayList<>(a);
        out.addAll(List.of(more));
        return out;
    }
}
