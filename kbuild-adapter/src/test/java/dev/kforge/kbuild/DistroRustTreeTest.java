package dev.kforge.kbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A distribution kernel's Rust tree: what is laid over it, and the check that its crates are the kernel's. */
class DistroRustTreeTest {

    // Symbols as Debian 7.3.4's Module.symvers and a tree's rust/exports_*_generated.h spell them.
    static final String CORE_FMT = "_RNvMNtNtCs2lKf6AS60Zg_4core3fmt9FormatterNtB2_9Formatter9write_str";
    static final String KERNEL_PR = "_RNvNtCsb5MLIFMWygY_6kernel5print11call_printk";
    static final String KERNEL_FW = "_RNvMNtCsb5MLIFMWygY_6kernel8firmwareNtB2_8Firmware7request";

    @TempDir
    Path dir;

    private Path headers() throws IOException {
        Path h = dir.resolve("headers");
        write(
                h.resolve("Module.symvers"),
                "0x00000000\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n"
                        + "0x00000000\t" + CORE_FMT + "\tvmlinux\tEXPORT_SYMBOL_GPL\t\n"
                        + "0x00000000\t" + KERNEL_PR + "\tvmlinux\tEXPORT_SYMBOL_GPL\t\n"
                        + "0x00000000\t" + KERNEL_FW + "\tvmlinux\tEXPORT_SYMBOL_GPL\t\n"
                        // A module's Rust export is not the kernel's crates'.
                        + "0x00000000\t_RNvCs123_5other3sym\tdrivers/x/x\tEXPORT_SYMBOL_GPL\t\n");
        write(h.resolve("include/generated/utsrelease.h"), "#define UTS_RELEASE \"7.3.4+deb13-amd64\"\n");
        write(h.resolve("include/config/kernel.release"), "7.3.4+deb13-amd64\n");
        write(
                h.resolve(".config"),
                "CONFIG_RUST=y\nCONFIG_RUST_FW_LOADER_ABSTRACTIONS=y\n"
                        + "CONFIG_CC_VERSION_TEXT=\"x86_64-linux-gnu-gcc-14 (Debian 14.2.0-19) 14.2.0\"\n");
        return h;
    }

    private Path tree(String... kernelExports) throws IOException {
        Path t = dir.resolve("tree");
        write(t.resolve("include/generated/utsrelease.h"), "#define UTS_RELEASE \"7.3.4\"\n");
        write(t.resolve("rust/exports_core_generated.h"), "EXPORT_SYMBOL_RUST_GPL(" + CORE_FMT + ");\n");
        // The C helpers are exported by their C names: not the crates' Rust symbols.
        write(t.resolve("rust/exports_helpers_generated.h"), "EXPORT_SYMBOL_RUST_GPL(rust_helper_kmalloc);\n");
        StringBuilder k = new StringBuilder();
        for (String s : kernelExports) {
            k.append("EXPORT_SYMBOL_RUST_GPL(").append(s).append(");\n");
        }
        write(t.resolve("rust/exports_kernel_generated.h"), k.toString());
        return t;
    }

    private static void write(Path p, String text) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    @Test
    void theKernelsSymversReleaseAndBtfAreLaidOverTheTree() throws IOException {
        Path h = headers();
        Files.writeString(h.resolve("vmlinux"), "BTF");
        Path t = tree(KERNEL_PR, KERNEL_FW);
        DistroRustTree.overlay(h, t);
        assertThat(t.resolve("include/generated/utsrelease.h")).hasContent("#define UTS_RELEASE \"7.3.4+deb13-amd64\"");
        assertThat(t.resolve("include/config/kernel.release")).hasContent("7.3.4+deb13-amd64");
        assertThat(t.resolve("Module.symvers")).hasSameTextualContentAs(h.resolve("Module.symvers"));
        assertThat(t.resolve("vmlinux")).hasContent("BTF");
    }

    @Test
    void headersWithoutTheirReleaseAreRefusedNamingTheFile() throws IOException {
        Path h = headers();
        Files.delete(h.resolve("include/config/kernel.release"));
        assertThatThrownBy(() -> DistroRustTree.overlay(h, tree()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no include/config/kernel.release");
    }

    @Test
    void aTreeExportingExactlyTheKernelsRustSymbolsPasses() throws IOException {
        Path h = headers();
        Path t = tree(KERNEL_PR, KERNEL_FW);
        SortedSet<String> kernel = DistroRustTree.kernelExports(h.resolve("Module.symvers"));
        assertThat(kernel).containsExactly(KERNEL_FW, CORE_FMT, KERNEL_PR);
        assertThat(DistroRustTree.treeExports(t)).isEqualTo(kernel);
        assertThat(DistroRustTree.mismatch(DistroRustTree.treeExports(t), kernel, "7.3.4+deb13-amd64", List.of()))
                .isEmpty();
    }

    @Test
    void anotherRustcGivesOtherCrateHashesAndIsRefusedNamingBoth() throws IOException {
        Path h = headers();
        // The same source built by another rustc: the same APIs, another stable crate id.
        Path t = tree(
                KERNEL_PR.replace("Csb5MLIFMWygY", "CsZZZZZZZZZZZ"),
                KERNEL_FW.replace("Csb5MLIFMWygY", "CsZZZZZZZZZZZ"));
        String why = DistroRustTree.mismatch(
                        DistroRustTree.treeExports(t),
                        DistroRustTree.kernelExports(h.resolve("Module.symvers")),
                        "7.3.4+deb13-amd64",
                        List.of())
                .orElseThrow();
        assertThat(why)
                .startsWith("the tree's Rust crates are not those of kernel 7.3.4+deb13-amd64: ")
                .contains("core crate hash Cs2lKf6AS60Zg (the kernel's too)")
                .contains("kernel crate hash CsZZZZZZZZZZZ (the kernel's: Csb5MLIFMWygY)")
                .contains("2 of the kernel's 3 Rust exports are missing from the tree")
                .contains("CONFIG_RUSTC_VERSION_TEXT");
    }

    @Test
    void aConfigurationThatDropsAnApiIsRefusedNamingTheOption() throws IOException {
        Path h = headers();
        Path t = tree(KERNEL_PR);
        write(
                t.resolve(".config"),
                "CONFIG_RUST=y\n# CONFIG_RUST_FW_LOADER_ABSTRACTIONS is not set\n"
                        + "CONFIG_CC_VERSION_TEXT=\"x86_64-linux-gnu-gcc (Debian 14.2.0-19) 14.2.0\"\n");
        List<String> diff = DistroRustTree.configDiff(
                KernelConfig.parse(Files.readString(h.resolve(".config"))),
                KernelConfig.parse(Files.readString(t.resolve(".config"))));
        // The compiler's own name (Debian spells it with the triplet's versioned gcc) is not a difference.
        assertThat(diff).containsExactly("CONFIG_RUST_FW_LOADER_ABSTRACTIONS y -> n");
        String why = DistroRustTree.mismatch(
                        DistroRustTree.treeExports(t),
                        DistroRustTree.kernelExports(h.resolve("Module.symvers")),
                        "7.3.4+deb13-amd64",
                        diff)
                .orElseThrow();
        assertThat(why)
                .contains("kernel crate hash Csb5MLIFMWygY (the kernel's too)")
                .contains("1 of the kernel's 3 Rust exports are missing from the tree (" + KERNEL_FW + ", ...)")
                .contains("its .config differs from the kernel's in CONFIG_RUST_FW_LOADER_ABSTRACTIONS y -> n");
    }

    @Test
    void aKernelWhoseSymversListsNoRustIsNothingToCheckAgainst() {
        assertThat(DistroRustTree.mismatch(new TreeSet<>(List.of(KERNEL_PR)), new TreeSet<>(), "6.12", List.of()))
                .hasValueSatisfying(m -> assertThat(m).contains("lists no Rust symbols"));
    }

    @Test
    void aCratesHashIsTheOneMostOfItsSymbolsCarry() {
        SortedSet<String> symbols = new TreeSet<>(List.of(CORE_FMT, KERNEL_PR, KERNEL_FW));
        assertThat(DistroRustTree.crateHashes(symbols))
                .containsEntry("core", "Cs2lKf6AS60Zg")
                .containsEntry("kernel", "Csb5MLIFMWygY");
    }
}
