package dev.kforge.cli;

import static dev.kforge.cli.ItSupport.kforge;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rust toolchain selection against the toolchains really installed (Debian's and rustup's). */
class RustIT {

    @TempDir
    Path dir;

    @Test
    void doctorExplainsWhyDebiansRustcIsChosenOverRustups() throws Exception {
        // A copy: the examples sign with keys/module.key, which a checkout does not have.
        ItSupport.Run run = kforge(ItSupport.copyExamples(dir.resolve("examples")), "doctor");
        assertThat(run.out()).containsPattern("ok +key and certificate +signer kforge integration tests");
        assertThat(run.out())
                .contains("rust for kernel v6.1 (6.1.")
                .contains("chose /usr/bin/rustc (rustc 1.63.0): kernel 6.1.")
                .contains("/usr/bin/bindgen: bindgen 0.60.1 -> fits");
        if (run.out().contains("/.cargo/bin/rustc")) {
            // rustup's proxy is first on PATH on this machine kind; it must be rejected, with reasons.
            assertThat(run.out())
                    .containsPattern(
                            "\\.cargo/bin/rustc \\(PATH [^)]*\\): rustc 1\\.\\d+\\.\\d+.* -> rejected: too new");
        }
        // What a fresh machine lacked: the cross C library for the arm64 tool crate, and python3 for kforge ide.
        assertThat(run.out())
                .containsPattern("ok +C library for arm64 +/usr/aarch64-linux-gnu/lib")
                .containsPattern("ok +python3 ")
                .containsPattern(
                        "skip +tools for armhf .*\n *to build it: .*libstd-rust-dev:armhf libc6-dev-armhf-cross");
        // The examples declare [package]: the programs kforge package runs for deb and oci.
        assertThat(run.out())
                .contains("packages (deb, oci, dkms)")
                .containsPattern("ok +dpkg-deb ")
                .containsPattern("ok +depmod +kmod version")
                .containsPattern("ok +skopeo +skopeo version")
                .containsPattern("ok +bash +GNU bash")
                .containsPattern("ok +tar +tar \\(GNU tar\\)");
        assertThat(run.code()).as(run.out()).isZero();
    }

    @Test
    void noFittingToolchainIsAnEnvironmentErrorListingTheCandidates() {
        new TestWorkspace(dir).rustDriver("drivers/r").manifest("""
                [[kernel]]
                name = "v6.12"
                source = "/usr/src/linux-source-6.12.tar.xz"
                [[driver]]
                name = "r"
                path = "drivers/r"
                [[matrix]]
                arches = ["x86_64"]
                toolchains = ["llvm"]
                """);
        ItSupport.Run run = kforge(dir, "plan");
        assertThat(run.code()).isEqualTo(3);
        assertThat(run.err())
                .contains("no Rust toolchain fits kernel 'v6.12' (6.12.")
                .contains("/usr/bin/rustc (")
                .contains("rustc 1.63.0 -> rejected: older than the kernel's minimum 1.78.0")
                .contains("hint: install Debian's rustc, rust-src, bindgen and libclang-dev");
    }
}
