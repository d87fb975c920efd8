package dev.kforge.rust;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * One rustc found on the machine.
 *
 * @param rustc absolute path
 * @param origin where it was found (PATH, /usr/bin, rustup toolchain stable-..., --rustc)
 * @param version its release, empty when it does not run
 * @param versionLine the first line of {@code rustc --version}
 * @param libSrc rust-src's library directory, if present (sysroot/lib/rustlib/src/rust/library)
 */
record Candidate(Path rustc, String origin, Optional<Version> version, String versionLine, Optional<Path> libSrc) {

    Candidate {
        Objects.requireNonNull(rustc, "rustc");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(versionLine, "versionLine");
        Objects.requireNonNull(libSrc, "libSrc");
    }
}
