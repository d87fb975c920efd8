package dev.kforge.cli;

import static dev.kforge.cli.ItSupport.kforge;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rust drivers on Debian's own Rust-enabled kernels, against the real archive: trixie-backports'
 * newest kernel (7.x, CONFIG_RUST=y), its Rust tree prepared from linux-source of the headers'
 * version in a trixie root with trixie's rustc, Debian's Module.symvers laid over it; the driver
 * built, every symbol checked, loaded into Debian's own image under QEMU on x86_64 and arm64.
 * Refusals: a root whose rustc is not the kernel's, and a tree whose Rust crates differ.
 */
class DebianRustIT {

    private static final String KERNEL = """
            [[kernel]]
            name = "bpo"
            debian = "latest"
            suites = ["trixie-backports"]
            """;

    @TempDir
    Path dir;

    private TestWorkspace rustHello() throws Exception {
        Path src = ItSupport.repo().resolve("examples/drivers/rust_hello");
        TestWorkspace ws = new TestWorkspace(dir)
                .write("drivers/rust_hello/Kbuild", Files.readString(src.resolve("Kbuild")))
                // Unique to this run, so the cells are built, not restored from the cache.
                .write(
                        "drivers/rust_hello/rust_hello.rs",
                        Files.readString(src.resolve("rust_hello.rs")) + "// " + dir + "\n");
        return ws;
    }

    @Test
    void aRustDriverBuildsAndLoadsOnDebiansOwnRustKernelForX86AndArm64() throws Exception {
        rustHello().manifest(KERNEL + """
                [[driver]]
                name = "rust_hello"
                path = "drivers/rust_hello"
                [[matrix]]
                arches = ["x86_64", "arm64"]
                """);
        ItSupport.Run test = kforge(dir, "test", "--junit", "junit.xml");
        assertThat(test.code()).as(test.out() + test.err()).isZero();
        assertThat(test.out()).contains("2 cells: 2 built, ", "2 tests: 2 passed, 0 failed", "2 trees: ");
        var results = ItSupport.cells(dir.resolve("out"));
        assertThat(results).hasSize(2);
        for (var e : results.entrySet()) {
            String cell = e.getKey().substring("rust_hello/".length());
            assertThat(cell).matches("bpo-trixie-backports-\\d+\\.\\d+(\\.\\d+)?\\+deb13/(x86_64|arm64)-gcc");
            // modpost checked every symbol, the Rust ones too, against Debian's own Module.symvers.
            assertThat(e.getValue()).as(cell).containsEntry("status", "built").containsEntry("symbols", "checked");
            @SuppressWarnings("unchecked")
            Map<String, Object> t = (Map<String, Object>) e.getValue().get("test");
            assertThat(t).as(cell).containsEntry("status", "passed");
            Path ko = dir.resolve("out").resolve(cell).resolve("rust_hello/rust_hello.ko");
            String debArch = cell.endsWith("x86_64-gcc") ? "amd64" : "arm64";
            // vermagic is Debian's (its utsrelease.h was laid over the tree), BTF generated from its vmlinux.
            assertThat(ItSupport.vermagic(ko))
                    .matches("\\d+\\.\\d+(\\.\\d+)?\\+deb13-" + debArch + " SMP preempt mod_unload "
                            + (debArch.equals("arm64") ? "aarch64" : ""));
            assertThat(new String(Files.readAllBytes(ko), StandardCharsets.ISO_8859_1))
                    .contains(".BTF");
            String log = Files.readString(dir.resolve("out").resolve(cell).resolve("rust_hello/test.log"));
            assertThat(log).contains("rust_hello: init", "KFORGE-INSMOD rust_hello 0", "KFORGE-RMMOD rust_hello 0");
            String build = Files.readString(dir.resolve("out").resolve(cell).resolve("rust_hello/build.log"));
            assertThat(build).contains("MODPOST").doesNotContain("WARNING: modpost");
        }
        // Each Rust tree is prepared once, from Debian's linux-source of the headers' version.
        Path debian = ItSupport.itCache().resolve("debian");
        try (Stream<Path> s = Files.list(debian)) {
            assertThat(s.map(p -> p.getFileName().toString()))
                    .anyMatch(n -> n.matches("linux-source-\\d+\\.\\d+_\\d+\\.\\d+(\\.\\d+)?-\\d+~bpo13\\+\\d+"));
        }
        // A second run reuses the trees and the cells: nothing is built again.
        ItSupport.Run again = kforge(dir, "build");
        assertThat(again.code()).as(again.out() + again.err()).isZero();
        assertThat(again.out()).contains("2 cells: 0 built, 2 cached, 0 failed");
        // doctor says so, per kernel and arch.
        ItSupport.Run doctor = kforge(dir, "doctor");
        assertThat(doctor.out())
                .containsPattern("ok +bpo-trixie-backports-\\S+ arm64 +yes: a Rust tree from linux-source-\\d+\\.\\d+ ")
                .containsPattern("ok +bpo-trixie-backports-\\S+ x86_64 +yes: a Rust tree from linux-source-");
    }

    /**
     * sid's newest kernel (7.2 here, CONFIG_RUST=y) takes Rust drivers while sid's rustc and
     * linux-source are the ones it was built with. sid moves daily: when they have moved on, its Rust
     * cells must be skipped naming what differs (both rustc versions, or the source versions).
     */
    @Test
    void sidsNewestKernelTakesRustDriversWhileSidStillHasItsRustcAndSource() throws Exception {
        rustHello().manifest("""
                [[kernel]]
                name = "sid"
                debian = "latest"
                suites = ["sid"]
                [[driver]]
                name = "rust_hello"
                path = "drivers/rust_hello"
                [[matrix]]
                arches = ["x86_64"]
                """);
        ItSupport.Run plan = kforge(dir, "plan", "--format", "text");
        assertThat(plan.code()).as(plan.out() + plan.err()).isZero();
        if (plan.out().contains("skip rust_hello/")) {
            assertThat(plan.out())
                    .containsPattern("skip rust_hello/sid-sid-\\S+/x86_64-gcc: kernel 'sid-sid-\\S+' \\(\\S+-amd64\\)"
                            + "( was built with rustc \\d+\\.\\d+\\.\\d+ .*rejected: the kernel was built with rustc"
                            + "|: Debian sid has no linux-source-\\S+ \\S+ \\(the version of the kernel's headers\\))");
            return;
        }
        ItSupport.Run test = kforge(dir, "test");
        assertThat(test.code()).as(test.out() + test.err()).isZero();
        assertThat(test.out()).contains("1 cells: 1 built, ", "1 test: 1 passed, 0 failed");
        var cell = ItSupport.cells(dir.resolve("out")).values().iterator().next();
        assertThat(cell).containsEntry("symbols", "checked");
        Path ko = dir.resolve("out").resolve((String) cell.get("outDir")).resolve("rust_hello.ko");
        assertThat(ItSupport.vermagic(ko)).matches("\\d+\\.\\d+(\\.\\d+)?\\+deb\\d+-amd64 SMP preempt mod_unload ");
        assertThat(Files.readString(ko.resolveSibling("test.log"))).contains("rust_hello: init");
    }

    /**
     * The kernel names its rustc (CONFIG_RUSTC_VERSION_TEXT); sid's root has a newer one. A line
     * (latest) has its Rust cells skipped with both versions named; a kernel the manifest names by
     * its ABI fails planning with the same words.
     */
    @Test
    void aRootWhoseRustcIsNotTheKernelsIsRefusedWithBothVersionsNamed() throws Exception {
        String root = """
                [[toolchain_root]]
                name = "debian-sid"
                debian = "sid"
                """;
        String rest = """
                [[driver]]
                name = "rust_hello"
                path = "drivers/rust_hello"
                [[matrix]]
                arches = ["x86_64"]
                """;
        rustHello().manifest(root + KERNEL + "root = \"debian-sid\"\n" + rest);
        ItSupport.Run plan = kforge(dir, "plan", "--format", "text");
        assertThat(plan.code()).as(plan.out() + plan.err()).isZero();
        Matcher m = Pattern.compile("was built with (rustc \\d+\\.\\d+\\.\\d+ .*?); no Rust toolchain in root "
                        + "debian-sid is that one: /usr/bin/rustc \\([^)]*\\): (rustc \\d+\\.\\d+\\.\\d+ .*?) -> "
                        + "rejected: the kernel was built with ")
                .matcher(plan.out());
        assertThat(m.find()).as(plan.out()).isTrue();
        assertThat(m.group(1)).isNotEqualTo(m.group(2).strip());
        assertThat(plan.out()).doesNotContain("prepare/");

        // The ABI by name: planning fails (exit 3, the environment) and says the same.
        Matcher abi = Pattern.compile("bpo-trixie-backports-(\\S+)/x86_64").matcher(plan.out());
        assertThat(abi.find()).as(plan.out()).isTrue();
        rustHello()
                .manifest(root + KERNEL.replace("\"latest\"", "\"" + abi.group(1) + "\"") + "root = \"debian-sid\"\n"
                        + rest);
        ItSupport.Run explicit = kforge(dir, "plan", "--format", "text");
        assertThat(explicit.code()).as(explicit.out() + explicit.err()).isEqualTo(3);
        assertThat(explicit.err()).contains("was built with rustc ", "rejected: the kernel was built with rustc ");
    }

    /**
     * A Rust-relevant option changed (the firmware loader's Rust abstractions off): the tree's kernel
     * crate then exports other symbols than Debian's kernel does. The tree is refused after its
     * preparation, naming both crate hashes and the option, and no driver is built on it.
     */
    @Test
    void aTreeWhoseRustCratesDifferFromTheKernelsIsRefusedBeforeAnyDriverBuilds() throws Exception {
        rustHello()
                .write("nofw.config", "# CONFIG_RUST_FW_LOADER_ABSTRACTIONS is not set\n")
                .manifest(KERNEL + """
                        fragments = ["nofw.config"]
                        [[driver]]
                        name = "rust_hello"
                        path = "drivers/rust_hello"
                        [[matrix]]
                        arches = ["arm64"]
                        """);
        ItSupport.Run build = kforge(dir, "build");
        assertThat(build.code()).as(build.out() + build.err()).isEqualTo(1);
        String all = build.out() + build.err();
        assertThat(all)
                .containsPattern("the tree's Rust crates are not those of kernel \\S+\\+deb13-arm64: core crate hash "
                        + "Cs\\w+ .*kernel crate hash Cs\\w+")
                .contains("CONFIG_RUST_FW_LOADER_ABSTRACTIONS y -> n", "refused before any driver was built on it");
        assertThat(all).containsPattern("\\d+ of the kernel's \\d+ Rust exports are missing from the tree");
        // No driver was built on it: no module anywhere in the build directories.
        Path builds = dir.resolve(".kforge/build");
        if (Files.exists(builds)) {
            try (Stream<Path> w = Files.walk(builds)) {
                assertThat(w.filter(f -> f.toString().endsWith(".ko"))).isEmpty();
            }
        }
        assertThat(Files.exists(dir.resolve("out").resolve("kforge-results.json")))
                .isTrue();
        assertThat(build.out()).containsPattern("1 trees?: 1 failed");
    }
}
