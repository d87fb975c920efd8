package dev.kforge.cli;

import static dev.kforge.cli.ItSupport.cells;
import static dev.kforge.cli.ItSupport.kforge;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A toolchain root made for real (debootstrap of Debian trixie, apt-get install inside it, once per
 * IT cache and reused), Rust for arm64 on linux-source-6.12 built in it with trixie's rustc and
 * bindgen, a damaged root made again, and a suite the mirror does not serve refused cleanly.
 */
class ToolchainRootIT {

    @TempDir
    Path dir;

    static final String MANIFEST = """
            [[toolchain_root]]
            name = "trixie"
            debian = "%s"
            [[kernel]]
            name = "v6.12"
            source = "/usr/src/linux-source-6.12.tar.xz"
            root = "trixie"
            [[driver]]
            name = "rust_hello"
            path = "drivers/rust_hello"
            [[matrix]]
            arches = ["arm64"]
            toolchains = ["llvm"]
            """;

    Path workspace(String suite) throws Exception {
        Path ws = dir.resolve("ws-" + suite);
        TestWorkspace t = new TestWorkspace(ws);
        Path src = ItSupport.repo().resolve("examples/drivers/rust_hello");
        for (String f : new String[] {"Kbuild", "rust_hello.rs"}) {
            t.write("drivers/rust_hello/" + f, Files.readString(src.resolve(f)));
        }
        t.manifest(MANIFEST.formatted(suite));
        return ws;
    }

    static Path rootDir() {
        return ItSupport.itCache().resolve("roots/trixie-trixie");
    }

    @Test
    void rustForArm64On612BuildsInTheTrixieRootAndADamagedRootIsMadeAgain() throws Exception {
        Path ws = workspace("trixie");
        ItSupport.Run run = kforge(ws, "build", "--no-cache");
        assertThat(run.code()).as(run.err() + run.out()).isZero();
        var cell = cells(ws.resolve("out")).get("rust_hello/v6.12/arm64-llvm");
        assertThat(cell).containsEntry("status", "built");
        Path ko = ws.resolve("out/v6.12/arm64-llvm/rust_hello/rust_hello.ko");
        assertThat(ItSupport.elfMachine(ko)).isEqualTo(183);
        assertThat(ItSupport.vermagic(ko)).startsWith("6.12.").contains("aarch64");
        // The root's identity and its Rust toolchain are what the plan records.
        ItSupport.Run plan = kforge(ws, "plan");
        assertThat(plan.code()).as(plan.err()).isZero();
        assertThat(plan.out())
                .contains("\"root+trixie\"")
                .containsPattern("\"package:rustc\" : \"1\\.\\d+")
                .contains("\"suite\" : \"trixie\"")
                .contains("RUSTC=/usr/bin/rustc");
        // make ran inside the root, through bubblewrap.
        assertThat(run.commands())
                .anyMatch(c -> c.get(0).equals("bwrap") && c.contains(rootDir().toString()) && c.contains("make"));
        // Built twice in two directories inside the root: bit-identical.
        ItSupport.Run verify = kforge(ws, "verify");
        assertThat(verify.code()).as(verify.err() + verify.out()).isZero();
        assertThat(verify.out())
                .containsPattern("rust_hello/v6.12/arm64-llvm\\s+reproducible")
                .contains("0 not reproducible");

        // kforge explain's script reproduces the cell by hand, inside the root as kforge ran it.
        ItSupport.Run explain = kforge(ws, "explain", "--only-cell", "rust_hello/v6.12/arm64-llvm");
        assertThat(explain.code()).as(explain.err()).isZero();
        assertThat(explain.out()).contains("bwrap --die-with-parent --bind " + rootDir() + " /");
        Path script = ws.resolve("explain.sh");
        Files.writeString(script, explain.out());
        Process sh = new ProcessBuilder("sh", "-e", script.toString())
                .redirectErrorStream(true)
                .start();
        String shOut = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(sh.waitFor()).as(shOut).isZero();
        assertThat(ItSupport.elfMachine(ws.resolve(".kforge/build/v6.12/arm64-llvm/rust_hello/rust_hello.ko")))
                .isEqualTo(183);

        // A program gone from the root: the root is made again before anything runs in it.
        Files.delete(rootDir().resolve("usr/bin/bindgen"));
        ItSupport.Run again = kforge(ws, "plan");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(rootDir().resolve("usr/bin/bindgen")).exists();
        assertThat(again.commands()).anyMatch(c -> c.get(0).equals("debootstrap"));
    }

    @Test
    void aSuiteTheMirrorDoesNotServeIsAnEnvironmentErrorAndLeavesNoHalfMadeRoot() throws Exception {
        Path ws = workspace("nosuchsuite");
        ItSupport.Run run = kforge(ws, "plan");
        assertThat(run.code()).as(run.err()).isEqualTo(3);
        assertThat(run.err())
                .contains("debootstrap could not make a nosuchsuite root")
                .contains("hint:");
        try (Stream<Path> s = Files.list(ItSupport.itCache().resolve("roots"))) {
            assertThat(s.map(p -> p.getFileName().toString())
                            .filter(n -> n.startsWith("trixie-nosuchsuite"))
                            .toList())
                    .isEmpty();
        }
    }

    @Test
    void anUnknownRootNameIsAManifestErrorWithItsPosition() throws Exception {
        Path ws = workspace("trixie");
        Files.writeString(
                ws.resolve("kforge.toml"),
                MANIFEST.formatted("trixie").replace("root = \"trixie\"", "root = \"trixy\""));
        ItSupport.Run run = kforge(ws, "plan");
        assertThat(run.code()).isEqualTo(2);
        assertThat(run.err())
                .contains("kforge.toml:7:")
                .contains("unknown toolchain root 'trixy'")
                .contains("trixie");
    }
}
