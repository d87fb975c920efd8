package dev.kforge.kbuild;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KernelConfigTest {

    @Test
    void parsesSetUnsetAndTheHeader() {
        KernelConfig c = KernelConfig.parse("""
                #
                # Automatically generated file; DO NOT EDIT.
                # Linux/arm64 6.1.192 Kernel Configuration
                #
                CONFIG_CC_VERSION_TEXT="aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0"
                CONFIG_CC_IS_GCC=y
                CONFIG_PCI=y
                CONFIG_USB=m
                # CONFIG_RUST is not set
                CONFIG_NR_CPUS=256
                """);
        assertThat(c.srcArch()).contains("arm64");
        assertThat(c.version()).contains("6.1.192");
        assertThat(c.get("CONFIG_CC_VERSION_TEXT")).isEqualTo("aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0");
        assertThat(c.enabled("CONFIG_PCI")).isTrue();
        assertThat(c.enabled("CONFIG_USB")).isTrue();
        assertThat(c.get("CONFIG_RUST")).isEqualTo("n");
        assertThat(c.enabled("CONFIG_MISSING")).isFalse();
        assertThat(c.get("CONFIG_NR_CPUS")).isEqualTo("256");
    }

    @Test
    void naturalVersionOrder() {
        assertThat(KernelPaths.versionKey("linux-headers-6.1.0-56-amd64"))
                .isGreaterThan(KernelPaths.versionKey("linux-headers-6.1.0-9-amd64"));
    }
}
