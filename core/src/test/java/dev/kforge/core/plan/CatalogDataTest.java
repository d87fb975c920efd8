package dev.kforge.core.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.catalog.Catalog;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-architecture facts are data: a new architecture is one data file, planned with no code change. */
class CatalogDataTest {

    @TempDir
    Path dir;

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
