package dev.kforge.core.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.json.CanonicalJson;
import dev.kforge.core.kernel.RustTools;
import dev.kforge.core.manifest.ManifestLoader;
import dev.kforge.core.model.Workspace;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The planner's own rules (matrix, skips, dependencies, determinism) over fake step planners. */
class PlannerTest {

    @TempDir
    Path dir;

    static final String MANIFEST = PlanInputs.MANIFEST;

    static PlanInput input(Path root) {
        return PlanInputs.input(root);
    }

    static SortedMap<String, RustTools> rust() {
        return PlanInputs.rust();
    }

    BuildPlan plan() {
        return FakeStepPlanners.planner().plan(input(dir));
    }

    Map<String, String> skips(BuildPlan p) {
        Map<String, String> m = new TreeMap<>();
        p.skipped().forEach(s -> m.put(s.cell().id(), s.reason()));
        return m;
    }

    @Test
    void expandsTheMatrixIntoPrepareAndBuildSteps() {
        BuildPlan p = plan();
        assertThat(p.steps())
                .extracting(Step::id)
                .contains(
                        "prepare/v6.1/x86_64-gcc",
                        "prepare/v6.1/arm64-llvm",
                        "prepare/v6.1/x86_64-gcc-rust",
                        "build/core/v6.1/riscv64-gcc",
                        "build/user/v6.1/arm64-llvm",
                        "build/core/host/x86_64-gcc",
                        "build/rusty/v6.1/x86_64-gcc");
        assertThat(p.steps())
                .extracting(Step::id)
                .doesNotContain("prepare/v6.1/riscv64-llvm", "build/core/v6.1/riscv64-llvm");
        // Steps are sorted by id, so the plan's order never depends on hash iteration.
        List<String> ids = p.steps().stream().map(Step::id).toList();
        assertThat(ids).isSorted();
    }

    @Test
    void everyCellThatDoesNotApplyIsListedWithItsReason() {
        Map<String, String> skips = skips(plan());
        assertThat(skips).containsEntry("core/v6.1/riscv64-llvm", "excluded by the matrix at kforge.toml:38:14");
        assertThat(skips).containsEntry("armonly/v6.1/x86_64-gcc", "driver 'armonly' is restricted to arm64");
        assertThat(skips)
                .containsEntry(
                        "rusty/v6.1/arm64-gcc",
                        "kernel 6.1.192 has no HAVE_RUST for arm64 (arch/arm64/Kconfig does not select it)");
        assertThat(skips)
                .containsEntry(
                        "core/host/arm64-gcc",
                        "headers tree 'host' is configured for x86_64 only; use a source kernel to build for arm64");
        assertThat(skips)
                .containsEntry(
                        "core/host/x86_64-llvm",
                        "headers tree 'host' was built with gcc; modules must use the same compiler family, not llvm");
        assertThat(skips).containsEntry("pci/host/x86_64-gcc", "kernel 'host' lacks CONFIG_PCI");
        assertThat(skips)
                .containsEntry(
                        "rusty/host/x86_64-gcc",
                        "headers tree 'host' has CONFIG_RUST unset; "
                                + "Rust modules need a source kernel that kforge configures with CONFIG_RUST=y");
        assertThat(skips).doesNotContainKey("core/v6.1/x86_64-gcc");
        // 5 drivers x (v6.1: 5 targets + 1 excluded; host: 4 targets) = 50 cells, each built or skipped.
        BuildPlan p = plan();
        long built = p.steps().stream().filter(s -> s.kind() == Step.Kind.BUILD).count();
        assertThat(built + p.skipped().size()).isEqualTo(50);
    }

    @Test
    void aDependentOfASkippedDriverIsSkippedToo() {
        new TestWorkspace(dir).cDriver("drivers/a").cDriver("drivers/b").manifest("""
                [[kernel]]
                name = "v6.1"
                source = "/x.tar.xz"
                [[driver]]
                name = "a"
                path = "drivers/a"
                arches = ["arm64"]
                [[driver]]
                name = "b"
                path = "drivers/b"
                depends = ["a"]
                [[matrix]]
                arches = ["x86_64"]
                """);
        Workspace ws = new ManifestLoader(Catalog.builtIn()).load(dir.resolve("kforge.toml"), "kforge.toml");
        var in = input(dir.resolve("other"));
        BuildPlan p = FakeStepPlanners.planner()
                .plan(new PlanInput(ws, in.kernels(), in.tools(), in.files(), in.rust(), in.sourceDateEpoch()));
        assertThat(skips(p)).containsEntry("b/v6.1/x86_64-gcc", "depends on 'a', which is skipped for this target");
    }

    @Test
    void thePlanIsDeterministicAndFreeOfMachinePaths() {
        String a = CanonicalJson.write(plan().toTree());
        String b = CanonicalJson.write(FakeStepPlanners.planner()
                .plan(input(dir.resolve("elsewhere/deeper")))
                .toTree());
        assertThat(a).isEqualTo(b);
        assertThat(a).doesNotContain(dir.toString()).doesNotContain(System.getProperty("user.name") + "/");
        assertThat(a).contains("\"planHash\" : \"" + plan().planHash().hex() + "\"");
    }

    @Test
    void treeKeyChangesWithTheCompiler() {
        var in = input(dir);
        var tools = new TreeMap<>(in.tools());
        tools.put("aarch64-linux-gnu-gcc", "aarch64-linux-gnu-gcc (Debian 13.1.0) 13.1.0");
        BuildPlan changed = FakeStepPlanners.planner()
                .plan(new PlanInput(in.workspace(), in.kernels(), tools, in.files(), in.rust(), in.sourceDateEpoch()));
        BuildPlan p = plan();
        assertThat(changed.step("prepare/v6.1/arm64-gcc").orElseThrow().attribute("tree"))
                .isNotEqualTo(p.step("prepare/v6.1/arm64-gcc").orElseThrow().attribute("tree"));
        assertThat(changed.step("prepare/v6.1/x86_64-gcc").orElseThrow().attribute("tree"))
                .isEqualTo(p.step("prepare/v6.1/x86_64-gcc").orElseThrow().attribute("tree"));
        assertThat(changed.planHash()).isNotEqualTo(p.planHash());
    }

    @Test
    void aMatrixCanNameItsDrivers() {
        new TestWorkspace(dir).cDriver("drivers/a").rustDriver("drivers/r").manifest("""
                [[kernel]]
                name = "v6.1"
                source = "/x.tar.xz"
                [[driver]]
                name = "a"
                path = "drivers/a"
                [[driver]]
                name = "r"
                path = "drivers/r"
                [[matrix]]
                drivers = ["a"]
                arches = ["x86_64"]
                """);
        Workspace ws = new ManifestLoader(Catalog.builtIn()).load(dir.resolve("kforge.toml"), "kforge.toml");
        var in = input(dir.resolve("other"));
        BuildPlan p = FakeStepPlanners.planner()
                .plan(new PlanInput(ws, in.kernels(), in.tools(), in.files(), new TreeMap<>(), in.sourceDateEpoch()));
        assertThat(p.steps())
                .extracting(Step::id)
                .containsExactly("build/a/v6.1/x86_64-gcc", "prepare/v6.1/x86_64-gcc");
        assertThat(p.skipped()).isEmpty();
        assertThat(FakeStepPlanners.planner().rustKernels(ws, in.kernels())).isEmpty();
    }

    @Test
    void packagesFollowEachPublishedCellWithTheDriversItNeedsAndLeaveOtherPlansAlone() {
        PlanInput in = input(dir);
        PlanInput plain = PlanInputs.versioned(in);
        BuildPlan without = FakeStepPlanners.planner().plan(plain);
        BuildPlan with = FakeStepPlanners.planner().plan(plain.withPackages(List.of("oci", "deb")));

        assertThat(plain.withPackages(List.of("oci", "deb")).packages()).containsExactly("deb", "oci");
        assertThat(without.steps()).noneMatch(s -> s.kind() == Step.Kind.PACKAGE);
        assertThat(without.packages()).isEmpty();
        assertThat(FakeStepPlanners.planner()
                        .plan(plain.withPackages(List.of()))
                        .planHash())
                .isEqualTo(without.planHash());
        assertThat(with.planHash()).isNotEqualTo(without.planHash());

        long builds =
                with.steps().stream().filter(s -> s.kind() == Step.Kind.BUILD).count();
        assertThat(with.steps().stream().filter(s -> s.kind() == Step.Kind.PACKAGE))
                .hasSize((int) builds * 2);
        Step user = with.step("package-deb/user/host/x86_64-gcc").orElseThrow();
        assertThat(user.deps()).containsExactly("build/user/host/x86_64-gcc", "build/core/host/x86_64-gcc");
        assertThat(user.attributes())
                .containsEntry("version", "1.0")
                .containsEntry("release", "6.1.0-56-amd64")
                .containsEntry("dependsOn", "core")
                .containsEntry("dependencyDirs", "{core=${out}/host/x86_64-gcc/core}")
                .containsEntry("outDir", "${out}/host/x86_64-gcc/user")
                .containsEntry("sourceDateEpoch", "1700000000");
        // A source kernel's release is read from the built modules when the step runs.
        assertThat(with.step("package-oci/core/v6.1/arm64-gcc").orElseThrow().attributes())
                .containsEntry("release", "(at run time)")
                .containsEntry("dependsOn", "");
        assertThat(with.packagedCell(user).orElseThrow().id()).isEqualTo("user/host/x86_64-gcc");
        // The package tools are recorded (not found here: the input has no identity for them).
        assertThat(with.tools()).containsEntry("fake-package-deb", "not found").containsKey("fake-package-oci");
        assertThat(without.tools()).doesNotContainKey("fake-package-deb");
        // Skipped cells are not packaged.
        assertThat(with.steps()).extracting(Step::id).doesNotContain("package-deb/pci/host/x86_64-gcc");
        assertThat(skips(with)).containsKey("pci/host/x86_64-gcc");

        // dkms: one package per driver, after every planned cell of it whatever their outcome.
        BuildPlan dkms = FakeStepPlanners.planner().plan(plain.withPackages(List.of("dkms")));
        List<Step> driverPackages =
                dkms.steps().stream().filter(s -> s.kind() == Step.Kind.PACKAGE).toList();
        List<String> builtDrivers = dkms.steps().stream()
                .filter(s -> s.kind() == Step.Kind.BUILD)
                .map(s -> "package-dkms/" + dkms.cellOf(s).orElseThrow().driver())
                .distinct()
                .toList();
        assertThat(builtDrivers).contains("package-dkms/core", "package-dkms/user");
        assertThat(driverPackages).extracting(Step::id).containsExactlyInAnyOrderElementsOf(builtDrivers);
        Step userSources = dkms.step("package-dkms/user").orElseThrow();
        assertThat(userSources.gated()).isFalse();
        List<String> userBuilds = dkms.steps().stream()
                .filter(s -> s.kind() == Step.Kind.BUILD)
                .filter(s -> dkms.cellOf(s).orElseThrow().driver().equals("user"))
                .map(Step::id)
                .toList();
        assertThat(userBuilds).isNotEmpty();
        assertThat(userSources.deps()).containsExactlyInAnyOrderElementsOf(userBuilds);
        assertThat(userSources.attributes())
                .containsEntry("driver", "user")
                .containsEntry("dependencies", "[core]")
                .containsEntry("version", "1.0");
        assertThat(dkms.packagedCell(userSources)).isEmpty();
    }
}
