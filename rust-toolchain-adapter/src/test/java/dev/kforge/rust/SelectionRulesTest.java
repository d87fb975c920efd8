package dev.kforge.rust;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.kernel.RustSelection;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SelectionRulesTest {

    static final Path SRC = Path.of("/usr/lib/rustlib/src/rust/library");

    static Candidate rustc(String path, String origin, String vV, boolean rustSrc) {
        String line = vV.lines().findFirst().orElse("");
        return new Candidate(
                Path.of(path),
                origin,
                Version.fromRustcVerbose(vV),
                line,
                rustSrc ? Optional.of(SRC) : Optional.empty());
    }

    // Fixture outputs of `rustc -vV` on this kind of machine.
    static final String RUSTUP_195 = """
            rustc 1.95.0 (59807616e 2026-04-14)
            binary: rustc
            commit-hash: 59807616e
            host: x86_64-unknown-linux-gnu
            release: 1.95.0
            LLVM version: 20.1.0
            """;
    static final String DEBIAN_163 = """
            rustc 1.63.0
            binary: rustc
            commit-hash: unknown
            commit-date: unknown
            host: x86_64-unknown-linux-gnu
            release: 1.63.0
            LLVM version: 14.0.6
            """;
    static final String NIGHTLY = """
            rustc 1.97.0-nightly (e50aa6fba 2026-05-19)
            binary: rustc
            release: 1.97.0-nightly
            """;

    static final Candidate BINDGEN = new Candidate(
            Path.of("/usr/bin/bindgen"), "PATH", Version.find("bindgen 0.60.1"), "bindgen 0.60.1", Optional.empty());

    @Test
    void parsesVersions() {
        assertThat(Version.fromRustcVerbose(DEBIAN_163)).contains(new Version(1, 63, 0));
        assertThat(Version.fromRustcVerbose(NIGHTLY)).contains(new Version(1, 97, 0));
        assertThat(Version.find("bindgen 0.60.1")).contains(new Version(0, 60, 1));
        assertThat(Version.find("1.62")).contains(new Version(1, 62, 0));
        assertThat(Version.find("no digits")).isEmpty();
    }

    @Test
    void picksDebiansRustcOverRustupsForKernel61AndSaysWhy() {
        RustSelection s = SelectionRules.select(
                new Version(6, 1, 192),
                new Version(1, 62, 0),
                new Version(0, 56, 0),
                List.of(
                        rustc("/root/.cargo/bin/rustc", "PATH /root/.cargo/bin", RUSTUP_195, false),
                        rustc("/usr/bin/rustc", "Debian rustc", DEBIAN_163, true),
                        rustc(
                                "/root/.rustup/toolchains/nightly/bin/rustc",
                                "rustup toolchain nightly",
                                NIGHTLY,
                                false)),
                Optional.of(BINDGEN),
                true);
        assertThat(s.chosen()).isPresent();
        assertThat(s.chosen().get().rustc()).isEqualTo("/usr/bin/rustc");
        assertThat(s.chosen().get().rustLibSrc()).isEqualTo(SRC.toString());
        assertThat(s.chosen().get().notes())
                .contains(
                        "chose /usr/bin/rustc (rustc 1.63.0): kernel 6.1.192 pins rustc 1.62.0 (accepted up to 1.63.x)");
        assertThat(s.candidates())
                .containsExactly(
                        "/root/.cargo/bin/rustc (PATH /root/.cargo/bin): rustc 1.95.0 (59807616e 2026-04-14) -> rejected: too new: "
                                + "the kernel pins 1.62.0 and uses unstable features that change between releases; "
                                + "no rust-src (the kernel builds core and alloc from it)",
                        "/usr/bin/rustc (Debian rustc): rustc 1.63.0 -> fits",
                        "/root/.rustup/toolchains/nightly/bin/rustc (rustup toolchain nightly): rustc 1.97.0-nightly (e50aa6fba 2026-05-19)"
                                + " -> rejected: too new: the kernel pins 1.62.0 and uses unstable features that change between releases; "
                                + "no rust-src (the kernel builds core and alloc from it)",
                        "/usr/bin/bindgen: bindgen 0.60.1 -> fits",
                        "libclang: found");
    }

    @Test
    void from611TheFigureIsAMinimumAndRustSrcIsStillRequired() {
        RustSelection s = SelectionRules.select(
                new Version(6, 12, 117),
                new Version(1, 78, 0),
                new Version(0, 65, 1),
                List.of(
                        rustc("/root/.cargo/bin/rustc", "PATH", RUSTUP_195, false),
                        rustc("/usr/bin/rustc", "Debian rustc", DEBIAN_163, true)),
                Optional.of(BINDGEN),
                true);
        assertThat(s.chosen()).isEmpty();
        assertThat(s.candidates())
                .contains(
                        "/root/.cargo/bin/rustc (PATH): rustc 1.95.0 (59807616e 2026-04-14) -> rejected: no rust-src "
                                + "(the kernel builds core and alloc from it)",
                        "/usr/bin/rustc (Debian rustc): rustc 1.63.0 -> rejected: older than the kernel's minimum 1.78.0",
                        "/usr/bin/bindgen: bindgen 0.60.1 -> rejected: bindgen 0.60.1 is older than the kernel's minimum 0.65.1");
        assertThat(s.hint())
                .contains("apt-get install rustc rust-src bindgen libclang-dev")
                .contains("--rustc");

        RustSelection newest = SelectionRules.select(
                new Version(6, 12, 0),
                new Version(1, 78, 0),
                new Version(0, 56, 0),
                List.of(rustc("/a/rustc", "a", RUSTUP_195, true), rustc("/b/rustc", "b", NIGHTLY, true)),
                Optional.of(BINDGEN),
                true);
        assertThat(newest.chosen().orElseThrow().rustc()).isEqualTo("/b/rustc");
    }

    @Test
    void aPreparedRustTreeTakesTheRustcThatBuiltIt() {
        var candidates = List.of(
                rustc("/root/.cargo/bin/rustc", "PATH", RUSTUP_195, true),
                rustc("/usr/bin/rustc", "Debian rustc", DEBIAN_163, true));
        RustSelection s = SelectionRules.selectBuiltWith("rustc 1.63.0", candidates, Optional.of(BINDGEN), true);
        assertThat(s.chosen().orElseThrow().rustc()).isEqualTo("/usr/bin/rustc");
        assertThat(s.candidates().get(0)).endsWith("rejected: the kernel was built with rustc 1.63.0");
        RustSelection none = SelectionRules.selectBuiltWith("rustc 1.78.0", candidates, Optional.of(BINDGEN), true);
        assertThat(none.chosen()).isEmpty();
        assertThat(none.hint()).contains("rustc 1.78.0");
    }

    @Test
    void aDistributionKernelTakesOnlyTheRustcAndBindgenWhoseVersionTextsAreItsOwn() {
        String debian = "rustc 1.85.1 (4eb161250 2025-03-15) (built from a source tarball)";
        String rustup = "rustc 1.85.1 (4eb161250 2025-03-15)";
        var candidates = List.of(
                rustc("/root/.cargo/bin/rustc", "PATH", rustup + "\nbinary: rustc\nrelease: 1.85.1\n", true),
                rustc("/usr/bin/rustc", "Debian rustc", debian + "\nbinary: rustc\nrelease: 1.85.1\n", true));
        Candidate bindgen = new Candidate(
                Path.of("/usr/bin/bindgen"),
                "PATH",
                Version.find("bindgen 0.71.1"),
                "bindgen 0.71.1",
                Optional.empty());
        RustSelection s = SelectionRules.selectBuiltWith(
                debian, Optional.of("bindgen 0.71.1"), candidates, Optional.of(bindgen), true);
        assertThat(s.chosen().orElseThrow().rustc()).isEqualTo("/usr/bin/rustc");
        // The same release from another build has another version text, so other crate hashes: refused, both named.
        assertThat(s.candidates().get(0)).contains(rustup).endsWith("rejected: the kernel was built with " + debian);

        Candidate newer = new Candidate(
                Path.of("/usr/bin/bindgen"),
                "PATH",
                Version.find("bindgen 0.72.1"),
                "bindgen 0.72.1",
                Optional.empty());
        RustSelection other = SelectionRules.selectBuiltWith(
                debian, Optional.of("bindgen 0.71.1"), candidates, Optional.of(newer), true);
        assertThat(other.chosen()).isEmpty();
        assertThat(other.candidates())
                .contains("/usr/bin/bindgen: bindgen 0.72.1 -> rejected: the kernel was built with bindgen 0.71.1");
        assertThat(other.hint()).contains(debian).contains("bindgen 0.71.1");
    }

    @Test
    void missingBindgenOrLibclangMeansNoFit() {
        var ok = List.of(rustc("/usr/bin/rustc", "Debian rustc", DEBIAN_163, true));
        assertThat(SelectionRules.select(
                                new Version(6, 1, 0),
                                new Version(1, 62, 0),
                                new Version(0, 56, 0),
                                ok,
                                Optional.empty(),
                                true)
                        .chosen())
                .isEmpty();
        RustSelection noClang = SelectionRules.select(
                new Version(6, 1, 0), new Version(1, 62, 0), new Version(0, 56, 0), ok, Optional.of(BINDGEN), false);
        assertThat(noClang.chosen()).isEmpty();
        assertThat(noClang.candidates()).contains("libclang: not found -> rejected: bindgen needs libclang");
    }

    @Test
    void olderThanTheMinimumIsRejected() {
        RustSelection s = SelectionRules.select(
                new Version(6, 1, 0),
                new Version(1, 62, 0),
                new Version(0, 56, 0),
                List.of(rustc("/x/rustc", "x", "rustc 1.60.0\nrelease: 1.60.0\n", true)),
                Optional.of(BINDGEN),
                true);
        assertThat(s.chosen()).isEmpty();
        assertThat(s.candidates().get(0)).endsWith("rejected: older than the kernel's minimum 1.62.0");
    }
}
