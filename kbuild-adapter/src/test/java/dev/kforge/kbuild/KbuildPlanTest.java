package dev.kforge.kbuild;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.RustTools;
import dev.kforge.core.manifest.ManifestLoader;
import dev.kforge.core.model.KernelSource;
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
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exact make command lines the Kbuild adapter plans, through the planner with the other ports faked. */
class KbuildPlanTest {

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
        return FakeStepPlanners.withKernelSteps(new KbuildStepPlanner());
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
        // Module steps carry no commit's build time (it would defeat the step cache), but a constant one: with
        // it set, Kbuild runs pahole for the module's BTF reproducibly.
        assertThat(plan().step("build/core/v6.1/arm64-gcc").orElseThrow().env())
                .doesNotContainKey("SOURCE_DATE_EPOCH")
                .containsEntry("KBUILD_BUILD_TIMESTAMP", "Thu Jan 1 00:00:00 UTC 1970");
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
        BuildPlan p =
                planner().plan(new PlanInput(ws, kernels, in.tools(), in.files(), in.rust(), in.sourceDateEpoch()));
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
                                "KCFLAGS=-ffile-prefix-map=" + b + "=. -ffile-prefix-map=" + b + "/=",
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
                        "KCFLAGS=-ffile-prefix-map=${build}/host/x86_64-gcc/core=. -ffile-prefix-map=${build}/host/x86_64-gcc/core/=",
                        "VERSION=1.2",
                        "modules");
        assertThat(core.deps()).isEmpty();
        assertThat(core.attribute("release")).isEqualTo("6.1.0-56-amd64");
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
                        "KCFLAGS=-ffile-prefix-map=" + b + "=. -ffile-prefix-map=" + b + "/=",
                        "KRUSTFLAGS=--remap-path-prefix=" + b + "=. --remap-path-prefix=" + b + "/=",
                        "KBUILD_MODPOST_WARN=1",
                        "modules"));
        assertThat(build.deps()).containsExactly("prepare/v6.1/x86_64-llvm-rust");
        assertThat(p.tools()).containsEntry("/usr/bin/rustc", "rustc 1.63.0");
        assertThat(planner().rustKernels(input(dir).workspace(), input(dir).kernels()))
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
        assertThat(planner().rustKernels(in.workspace(), kernels)).containsExactly("host", "v6.1");
        var rust = rust();
        rust.put("host", rust.get("v6.1"));
        BuildPlan p = planner()
                .plan(new PlanInput(in.workspace(), kernels, in.tools(), in.files(), rust, in.sourceDateEpoch()));
        assertThat(p.step("build/rusty/host/x86_64-gcc")
                        .orElseThrow()
                        .commands()
                        .get(3))
                .contains("RUSTC=/usr/bin/rustc", "HOSTRUSTC=/usr/bin/rustc", "BINDGEN=/usr/bin/bindgen");
    }

    /**
     * A Rust driver on Debian's own Rust-enabled kernel: its tree is prepared from Debian's source
     * (make -C the source root) with the headers tree's .config exactly (no CONFIG_RUST switched on
     * by kforge, nothing turned off), and the module is built on it with modpost checking every
     * symbol (no KBUILD_MODPOST_WARN: Debian's Module.symvers is laid over the tree).
     */
    @Test
    void aDebianKernelsRustTreeIsItsSourceConfiguredByItsHeaders() {
        new TestWorkspace(dir).rustDriver("drivers/r").manifest("""
                [[kernel]]
                name = "deb"
                debian = "latest"
                [[driver]]
                name = "r"
                path = "drivers/r"
                [[matrix]]
                arches = ["arm64"]
                """);
        Workspace ws = new ManifestLoader(Catalog.builtIn()).load(dir.resolve("kforge.toml"), "kforge.toml");
        KernelFacts headers = new KernelFacts(
                "deb",
                KernelSource.Kind.HEADERS,
                "7.3.4",
                Digest.of("headers"),
                Optional.of("arm64"),
                Optional.of(dev.kforge.core.model.ToolchainFamily.GCC),
                Optional.of("7.3.4+deb13-arm64"),
                new TreeSet<>(List.of("arm64")),
                new TreeMap<>(Map.of("CONFIG_RUST", "y")));
        KernelFacts distro = new KernelFacts(
                "deb",
                KernelSource.Kind.DISTRO,
                "7.3.4",
                Digest.of("distro"),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                new TreeSet<>(),
                new TreeMap<>(),
                new TreeMap<>(Map.of("arm64", headers)),
                new TreeMap<>(),
                new TreeMap<>());
        KernelFacts source = new KernelFacts(
                "deb",
                KernelSource.Kind.SOURCE,
                "7.3.4",
                Digest.of("linux-source-7.3"),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                new TreeSet<>(List.of("arm64", "x86")),
                new TreeMap<>());
        var rust = new TreeMap<String, RustTools>();
        rust.put("deb", rust().get("v6.1"));
        BuildPlan p = planner()
                .plan(new PlanInput(
                        ws,
                        new TreeMap<>(Map.of("deb", distro)),
                        new TreeMap<>(),
                        new TreeMap<>(),
                        rust,
                        0L,
                        false,
                        dev.kforge.core.kernel.BootFacts.NONE,
                        new TreeMap<>(),
                        new dev.kforge.core.kernel.DistroRust(
                                new TreeMap<>(Map.of("deb", source)),
                                new TreeMap<>(Map.of("deb", "linux-source-7.3 7.3.4-1~bpo13+1")),
                                new TreeMap<>())));
        Step prepare = p.step("prepare/deb/arm64-gcc-rust").orElseThrow();
        String tree = prepare.attribute("tree");
        assertThat(tree).matches("\\$\\{trees}/7\\.3\\.4-arm64-gcc-rust-[0-9a-f]{16}");
        List<String> make = List.of(
                "make",
                "-C",
                "${kernel:deb.source}",
                "O=" + tree,
                "ARCH=arm64",
                "CROSS_COMPILE=aarch64-linux-gnu-",
                "RUSTC=/usr/bin/rustc",
                "HOSTRUSTC=/usr/bin/rustc",
                "BINDGEN=/usr/bin/bindgen",
                "RUST_LIB_SRC=/usr/lib/rustlib/src/rust/library");
        assertThat(prepare.commands())
                .containsExactly(
                        List.of("mkdir", "-p", tree),
                        List.of("cp", "${kernel:deb+arm64}/.config", tree + "/.config"),
                        concat(make, "olddefconfig"),
                        concat(make, "-j${jobs}", "modules_prepare"));
        assertThat(prepare.inputs()).contains("${kernel:deb.source}", "${kernel:deb+arm64}");
        assertThat(prepare.attributes())
                .containsEntry("distroHeaders", "${kernel:deb+arm64}")
                .containsEntry("release", "7.3.4+deb13-arm64")
                .containsEntry("expect", "CONFIG_RUST=y");
        Step build = p.step("build/r/deb/arm64-gcc").orElseThrow();
        assertThat(build.commands().get(3))
                .startsWith("make", "-C", "${kernel:deb.source}", "O=" + tree)
                .doesNotContain("KBUILD_MODPOST_WARN=1");
        assertThat(build.deps()).containsExactly(prepare.id());
        assertThat(build.attribute("release")).isEqualTo("7.3.4+deb13-arm64");
        assertThat(p.kernels().get("deb.source")).containsEntry("package", "linux-source-7.3 7.3.4-1~bpo13+1");
    }

    @Test
    void anArchitectureAddedByOneDataFileIsPlanned() {
        new TestWorkspace(dir)
                .write("catalog/arches/mips64el.properties", """
                        # 64-bit little-endian MIPS, as Debian names it
                        ARCH=mips
                        SRCARCH=mips
                        CROSS_COMPILE=mips64el-linux-gnuabi64-
                        clang.target=mips64el-linux-gnuabi64
                        defconfig=64r2el_defconfig
                        elf.machine=8
                        elf.machine.name=MIPS
                        gcc.package=gcc-mips64el-linux-gnuabi64
                        debian.arch=mips64el
                        oci.platform=mips64le
                        uname.machine=mips64
                        debian.flavour=5kc-malta
                        qemu.system=qemu-system-mips64el
                        qemu.machine=malta
                        qemu.cpu=5KEc
                        qemu.console=ttyS0
                        kernel.image=vmlinux
                        aliases=mips64
                        """)
                .cDriver("ws/drivers/hello")
                .write("ws/kforge.toml", """
                        [[kernel]]
                        name = "v6.1"
                        source = "/usr/src/linux-source-6.1.tar.xz"
                        [[driver]]
                        name = "hello"
                        path = "drivers/hello"
                        [[matrix]]
                        arches = ["mips64"]
                        """);
        Catalog catalog = Catalog.withDataFrom(dir.resolve("catalog"));
        var mips = catalog.requireArch("mips64el");
        assertThat(mips.debianFlavour()).contains("5kc-malta");
        assertThat(mips.boot())
                .hasValueSatisfying(b -> assertThat(b.qemuSystem()).isEqualTo("qemu-system-mips64el"));

        Workspace ws = new ManifestLoader(catalog).load(dir.resolve("ws/kforge.toml"), "kforge.toml");
        var kernels = new TreeMap<String, KernelFacts>();
        kernels.put(
                "v6.1",
                new KernelFacts(
                        "v6.1",
                        KernelSource.Kind.SOURCE,
                        "6.1.192",
                        Digest.of("src"),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        new TreeSet<>(),
                        new TreeMap<>()));
        BuildPlan plan = FakeStepPlanners.withKernelSteps(catalog, new KbuildStepPlanner())
                .plan(new PlanInput(ws, kernels, new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), 0L));

        Step build = plan.step("build/hello/v6.1/mips64el-gcc").orElseThrow();
        assertThat(build.commands().get(3)).contains("ARCH=mips", "CROSS_COMPILE=mips64el-linux-gnuabi64-", "modules");
        Step prepare = plan.step("prepare/v6.1/mips64el-gcc").orElseThrow();
        assertThat(prepare.commands().get(0)).endsWith("64r2el_defconfig");
        assertThat(plan.tools()).containsKey("mips64el-linux-gnuabi64-gcc");
    }

    static List<String> concat(List<String> a, String... more) {
        var out = new ArrayList<>(a);
        out.addAll(List.of(more));
        return out;
    }
}
