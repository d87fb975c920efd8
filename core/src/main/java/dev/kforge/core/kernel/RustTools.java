package dev.kforge.core.kernel;

import java.util.List;
import java.util.Objects;

/**
 * The Rust toolchain chosen for one kernel: absolute paths, so that rustup's rustc earlier on PATH
 * never shadows the one chosen, and version lines for the plan and metadata.
 *
 * @param rustc absolute path of rustc (also used as HOSTRUSTC for the macros crate)
 * @param rustcVersion {@code rustc 1.63.0}
 * @param bindgen absolute path of bindgen
 * @param bindgenVersion {@code bindgen 0.60.1}
 * @param rustLibSrc the rust-src library directory (RUST_LIB_SRC)
 * @param notes why this one was chosen, warnings (a version newer than the kernel's pin)
 */
public record RustTools(
        String rustc,
        String rustcVersion,
        String bindgen,
        String bindgenVersion,
        String rustLibSrc,
        List<String> notes) {

    public RustTools {
        Objects.requireNonNull(rustc, "rustc");
        Objects.requireNonNull(rustcVersion, "rustcVersion");
        Objects.requireNonNull(bindgen, "bindgen");
        Objects.requireNonNull(bindgenVersion, "bindgenVersion");
        Objects.requireNonNull(rustLibSrc, "rustLibSrc");
        notes = List.copyOf(notes);
    }
}
