package dev.kforge.core.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.json.CanonicalJson;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.RustTools;
import dev.kforge.core.manifest.ManifestLoader;
import dev.kforge.core.model.Workspace;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        return TestPlanners.planner().plan(input(dir));
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
        BuildPlan p = TestPlanners.planner()
                .plan(new PlanInput(ws, in.kernels(), in.tools(), in.files(), in.rust(), in.sourceDateEpoch()));
        assertThat(skips(p)).containsEntry("b/v6.1/x86_64-gcc", "depends on 'a', which is skipped for this target");
    }

    @Test
    void prepareStepArgvIsExact() {
        Step s = plan().step("prepare/v6.1/arm64-gcc").orElseThrow();
        String tree = s.attribute("tree");
        assertThat(tree).matches("\\$\\{trees}/6\\.1\\.192-arm64-gcc-[0-9a-f]{16}");
        List<String> make =
                List.of("make", "-C", "${kernel:v6.1}", "O=" + tree, "ARCH=arm64", "CROSS_COMPILE=aarch64-linux-gnu-");
        assertThat(s.commands())
                .containsExactly(
                        concat(make, "defconfig"),
                        concat(make, "olddefconfig"),
                        concat(make, "-j${jobs}", "modules_prepare"));
        assertThat(s.env())
                .containsExactly(
                        Map.entry("KBUILD_BUILD_HOST", "kforge"),
                        Map.entry("KBUILD_BUILD_TIMESTAMP", "Tue Nov 14 22:13:20 UTC 2023"),
                        Map.entry("KBUILD_BUILD_USER", "kforge"),
                        Map.entry("LC_ALL", "C"),
                        Map.entry("SOURCE_DATE_EPOCH", "1700000000"),
                        Map.entry("TZ", "UTC"));
        // Module steps carry no build time: it does not change a .ko and would defeat the step cache.
        assertThat(plan().step("build/core/v6.1/arm64-gcc").orElseThrow().env())
                .doesNotContainKeys("SOURCE_DATE_EPOCH", "KBUILD_BUILD_TIMESTAMP");
    }

    @Test
    void armhfUsesMultiV7AndLlvmUsesLlvm1WithoutCrossCompile() {
        new TestWorkspace(dir).cDriver("drivers/a").manifest("""
                [[kernel]]
                name = "k"
                source = "/x.tar.xz"
                [[driver]]
                name = "a"
                path = "drivers/a"
                [[matrix]]
                arches = ["armhf", "arm64"]
                toolchains = ["gcc", "llvm"]
                """);
        Workspace ws = new ManifestLoader(Catalog.builtIn()).load(dir.resolve("kforge.toml"), "kforge.toml");
        var in = input(dir.resolve("other"));
        var kernels = new TreeMap<String, KernelFacts>();
        var v61 = in.kernels().get("v6.1");
        kernels.put(
                "k",
                new KernelFacts(
                        "k",
                        v61.kind(),
                        v61.version(),
                        v61.identity(),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        v61.rustArches(),
                        new TreeMap<>()));
        BuildPlan p = TestPlanners.planner()
                .plan(new PlanInput(ws, kernels, in.tools(), in.files(), in.rust(), in.sourceDateEpoch()));
        assertThat(p.step("prepare/k/armhf-gcc").orElseThrow().commands().get(0))
                .endsWith("ARCH=arm", "CROSS_COMPILE=arm-linux-gnueabihf-", "multi_v7_defconfig");
        assertThat(p.step("prepare/k/arm64-llvm").orElseThrow().commands().get(0))
                .endsWith("ARCH=arm64", "LLVM=1", "defconfig")
                .noneMatch(a -> a.startsWith("CROSS_COMPILE="));
    }

    @Test
    void buildStepArgvIsExact() {
        BuildPlan p = plan();
        Step s = p.step("build/user/v6.1/arm64-gcc").orElseThrow();
        String tree = p.step("prepare/v6.1/arm64-gcc").orElseThrow().attribute("tree");
        String b = "${build}/v6.1/arm64-gcc/user";
        assertThat(s.commands())
                .containsExactly(
                        List.of("rm", "-rf", b),
                        List.of("mkdir", "-p", b),
                        List.of("cp", "-a", "${workspace}/drivers/user/.", b),
                        List.of(
                                "make",
                                "-C",
                                "${kernel:v6.1}",
                                "O=" + tree,
                                "ARCH=arm64",
                                "CROSS_COMPILE=aarch64-linux-gnu-",
                                "M=" + b,
                                "-j${jobs}",
                                "KCFLAGS=-ffile-prefix-map=" + b + "/=",
                                "KBUILD_MODPOST_WARN=1",
                                "KBUILD_EXTRA_SYMBOLS=${build}/v6.1/arm64-gcc/core/Module.symvers",
                                "modules"));
        assertThat(s.deps()).containsExactly("prepare/v6.1/arm64-gcc", "build/core/v6.1/arm64-gcc");
        assertThat(s.attribute("outDir")).isEqualTo("${out}/v6.1/arm64-gcc/user");

        Step core = p.step("build/core/host/x86_64-gcc").orElseThrow();
        assertThat(core.commands().get(3))
                .containsExactly(
                        "make",
                        "-C",
                        "${kernel:host}",
                        "ARCH=x86_64",
                        "CROSS_COMPILE=x86_64-linux-gnu-",
                        "M=${build}/host/x86_64-gcc/core",
                        "-j${jobs}",
                        "KCFLAGS=-ffile-prefix-map=${build}/host/x86_64-gcc/core/=",
                        "VERSION=1.2",
                        "modules");
        assertThat(core.deps()).isEmpty();
        assertThat(core.attribute("release")).isEqualTo("6.1.0-56-amd64");
    }

    @Test
    void thePlanIsDeterministicAndFreeOfMachinePaths() {
        String a = CanonicalJson.write(plan().toTree());
        String b = CanonicalJson.write(TestPlanners.planner()
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
        BuildPlan changed = TestPlanners.planner()
                .plan(new PlanInput(in.workspace(), in.kernels(), tools, in.files(), in.rust(), in.sourceDateEpoch()));
        BuildPlan p = plan();
        assertThat(changed.step("prepare/v6.1/arm64-gcc").orElseThrow().attribute("tree"))
                .isNotEqualTo(p.step("prepare/v6.1/arm64-gcc").orElseThrow().attribute("tree"));
        assertThat(changed.step("prepare/v6.1/x86_64-gcc").orElseThrow().attribute("tree"))
                .isEqualTo(p.step("prepare/v6.1/x86_64-gcc").orElseThrow().attribute("tree"));
        assertThat(changed.planHash()).isNotEqualTo(p.planHash());
    }

    @Test
    void rustCellsGetARustTreeWithAbsoluteToolPaths() {
        BuildPlan p = plan();
        Step prepare = p.step("prepare/v6.1/x86_64-llvm-rust").orElseThrow();
        String tree = prepare.attribute("tree");
        List<String> make = List.of(
                "make",
                "-C",
                "${kernel:v6.1}",
                "O=" + tree,
                "ARCH=x86_64",
                "LLVM=1",
                "RUSTC=/usr/bin/rustc",
                "HOSTRUSTC=/usr/bin/rustc",
                "BINDGEN=/usr/bin/bindgen",
                "RUST_LIB_SRC=/usr/lib/rustlib/src/rust/library");
        assertThat(prepare.commands())
                .containsExactly(
                        concat(make, "defconfig"),
                        List.of(
                                "${kernel:v6.1}/scripts/config",
                                "--file",
                                tree + "/.config",
                                "-e",
                                "RUST",
                                "-d",
                                "WERROR",
                                "-d",
                                "MODVERSIONS",
                                "-d",
                                "GCC_PLUGINS",
                                "-d",
                                "RANDSTRUCT_FULL",
                                "-d",
                                "RANDSTRUCT_PERFORMANCE",
                                "-e",
                                "RANDSTRUCT_NONE",
                                "-d",
                                "DEBUG_INFO_BTF",
                                "-d",
                                "CFI_CLANG"),
                        concat(make, "olddefconfig"),
                        concat(make, "-j${jobs}", "modules_prepare"));
        assertThat(prepare.attribute("expect")).isEqualTo("CONFIG_RUST=y");
        assertThat(p.step("prepare/v6.1/x86_64-gcc-rust")
                        .orElseThrow()
                        .commands()
                        .get(1))
                .endsWith("-d", "INIT_STACK_ALL_ZERO", "-e", "INIT_STACK_NONE");
        Step build = p.step("build/rusty/v6.1/x86_64-llvm").orElseThrow();
        String b = "${build}/v6.1/x86_64-llvm/rusty";
        assertThat(build.commands().get(3))
                .containsExactlyElementsOf(concat(
                        make,
                        "M=" + b,
                        "-j${jobs}",
                        "KCFLAGS=-ffile-prefix-map=" + b + "/=",
                        "KRUSTFLAGS=--remap-path-prefix=" + b + "/=",
                        "KBUILD_MODPOST_WARN=1",
                        "modules"));
        assertThat(build.deps()).containsExactly("prepare/v6.1/x86_64-llvm-rust");
        assertThat(p.tools()).containsEntry("/usr/bin/rustc", "rustc 1.63.0");
        assertThat(TestPlanners.planner()
                        .rustKernels(input(dir).workspace(), input(dir).kernels()))
                .containsExactly("v6.1");
    }

    @Test
    void rustOnAHeadersTreeWithConfigRustPassesTheRustcThatBuiltIt() {
        var in = input(dir);
        var kernels = new TreeMap<>(in.kernels());
        var host = kernels.get("host");
        kernels.put(
                "host",
                new KernelFacts(
                        "host",
                        host.kind(),
                        host.version(),
                        host.identity(),
                        host.headersArch(),
                        host.headersFamily(),
                        host.release(),
                        new TreeSet<>(List.of("x86_64")),
                        new TreeMap<>(Map.of("CONFIG_RUST", "y", "CONFIG_RUSTC_VERSION_TEXT", "rustc 1.63.0"))));
        assertThat(TestPlanners.planner().rustKernels(in.workspace(), kernels)).containsExactly("host", "v6.1");
        var rust = rust();
        rust.put("host", rust.get("v6.1"));
        BuildPlan p = TestPlanners.planner()
                .plan(new PlanInput(in.workspace(), kernels, in.tools(), in.files(), rust, in.sourceDateEpoch()));
        assertThat(p.step("build/rusty/host/x86_64-gcc")
                        .orElseThrow()
                        .commands()
                        .get(3))
                .contains("RUSTC=/usr/bin/rustc", "HOSTRUSTC=/usr/bin/rustc", "BINDGEN=/usr/bin/bindgen");
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
        BuildPlan p = TestPlanners.planner()
                .plan(new PlanInput(ws, in.kernels(), in.tools(), in.files(), new TreeMap<>(), in.sourceDateEpoch()));
        assertThat(p.steps())
                .extracting(Step::id)
                .containsExactly("build/a/v6.1/x86_64-gcc", "prepare/v6.1/x86_64-gcc");
        assertThat(p.skipped()).isEmpty();
        assertThat(TestPlanners.planner().rustKernels(ws, in.kernels())).isEmpty();
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
        BuildPlan p = TestPlanners.planner()
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
