package dev.kforge.core.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.ToolchainFamily;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CatalogTest {

    @ParameterizedTest
    @CsvSource({
        // key, alias, ARCH, SRCARCH, CROSS_COMPILE, defconfig, e_machine, rust target
        "x86_64, amd64, x86_64, x86, x86_64-linux-gnu-, defconfig, 62, x86_64-unknown-linux-gnu",
        "arm64, aarch64, arm64, arm64, aarch64-linux-gnu-, defconfig, 183, aarch64-unknown-linux-gnu",
        "armhf, arm, arm, arm, arm-linux-gnueabihf-, multi_v7_defconfig, 40, armv7-unknown-linux-gnueabihf",
        "riscv64, riscv, riscv, riscv, riscv64-linux-gnu-, defconfig, 243, riscv64gc-unknown-linux-gnu",
        "i386, i686, i386, x86, i686-linux-gnu-, defconfig, 3, i686-unknown-linux-gnu",
        "loongarch64, loongarch, loongarch, loongarch, loongarch64-linux-gnu-, defconfig, 258, loongarch64-unknown-linux-gnu",
        "powerpc64le, ppc64el, powerpc, powerpc, powerpc64le-linux-gnu-, ppc64le_defconfig, 21, powerpc64le-unknown-linux-gnu",
        "s390x, s390, s390, s390, s390x-linux-gnu-, defconfig, 22, s390x-unknown-linux-gnu",
    })
    void everyArchitectureIsOneDataFile(
            String key,
            String alias,
            String arch,
            String srcArch,
            String cross,
            String defconfig,
            int machine,
            String rust) {
        Architecture a = Catalog.builtIn().arch(alias).orElseThrow();
        assertThat(a.key()).isEqualTo(key);
        assertThat(Catalog.builtIn().arch(key)).contains(a);
        assertThat(a.kernelArch()).isEqualTo(arch);
        assertThat(a.srcArch()).isEqualTo(srcArch);
        assertThat(a.crossCompile()).isEqualTo(cross);
        assertThat(a.defconfig()).isEqualTo(defconfig);
        assertThat(a.elfMachine()).isEqualTo(machine);
        assertThat(a.rustTarget()).contains(rust);
        assertThat(a.clangTarget()).isEqualTo(cross.substring(0, cross.length() - 1));
    }

    @Test
    void listsAreSortedAndComplete() {
        assertThat(Catalog.builtIn().arches())
                .extracting(Architecture::key)
                .containsExactly("arm64", "armhf", "i386", "loongarch64", "powerpc64le", "riscv64", "s390x", "x86_64");
        assertThat(Catalog.builtIn().toolchains()).extracting(t -> t.key()).containsExactly("gcc", "llvm");
    }

    @Test
    void toolchains() {
        var gcc = Catalog.builtIn().toolchain("gcc").orElseThrow();
        assertThat(gcc.family()).isEqualTo(ToolchainFamily.GCC);
        assertThat(gcc.usesCrossCompile()).isTrue();
        assertThat(gcc.makeVariables()).isEmpty();
        var llvm = Catalog.builtIn().toolchain("clang").orElseThrow();
        assertThat(llvm.key()).isEqualTo("llvm");
        assertThat(llvm.makeVariables()).containsEntry("LLVM", "1");
        assertThat(llvm.usesCrossCompile()).isFalse();
        assertThat(Catalog.builtIn().arch("sparc")).isEmpty();
    }
}
