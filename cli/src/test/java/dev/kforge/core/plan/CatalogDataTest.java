package dev.kforge.core.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.manifest.ManifestLoader;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.Workspace;
import dev.kforge.kbuild.KbuildStepPlanner;
import dev.kforge.qemu.QemuStepPlanner;
import dev.kforge.rust.CargoStepPlanner;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-architecture facts are data: a new architecture is one data file, planned with no code change. */
class CatalogDataTest {

    @TempDir
    Path dir;

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
        BuildPlan plan = new Planner(catalog, new KbuildStepPlanner(), new CargoStepPlanner(), new QemuStepPlanner())
                .plan(new PlanInput(ws, kernels, new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), 0L));

        Step build = plan.step("build/hello/v6.1/mips64el-gcc").orElseThrow();
        assertThat(build.commands().get(3)).contains("ARCH=mips", "CROSS_COMPILE=mips64el-linux-gnuabi64-", "modules");
        Step prepare = plan.step("prepare/v6.1/mips64el-gcc").orElseThrow();
        assertThat(prepare.commands().get(0)).endsWith("64r2el_defconfig");
        assertThat(plan.tools()).containsKey("mips64el-linux-gnuabi64-gcc");
    }

    @Test
    void theBuiltInArchesCarryTheirDebianAndQemuFacts() {
        Catalog c = Catalog.builtIn();
        assertThat(c.requireArch("armhf").debianFlavour()).contains("armmp");
        assertThat(c.requireArch("i386").debianFlavour()).contains("686-pae");
        assertThat(c.requireArch("powerpc64le").debianArch()).isEqualTo("ppc64el");
        assertThat(c.requireArch("arm64").boot()).hasValueSatisfying(b -> {
            assertThat(b.qemuSystem()).isEqualTo("qemu-system-aarch64");
            assertThat(b.machine()).isEqualTo("virt");
            assertThat(b.console()).isEqualTo("ttyAMA0");
            assertThat(b.image()).isEqualTo("arch/arm64/boot/Image");
        });
        assertThat(c.requireArch("x86_64").boot())
                .hasValueSatisfying(b -> assertThat(b.console()).isEqualTo("ttyS0"));
        assertThat(c.requireArch("loongarch64").debianFlavour()).isEmpty();
        assertThat(List.of("x86_64", "arm64", "armhf", "riscv64"))
                .allSatisfy(a -> assertThat(c.requireArch(a).boot()).isPresent());
    }
}
