package dev.kforge.core.kernel;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of choosing a Rust toolchain for a kernel.
 *
 * @param chosen the tools, when one fits
 * @param candidates every candidate considered, one line each with its verdict
 * @param hint what to install when nothing fits
 */
public record RustSelection(Optional<RustTools> chosen, List<String> candidates, String hint) {

    public RustSelection {
        Objects.requireNonNull(chosen, "chosen");
        candidates = List.copyOf(candidates);
        Objects.requireNonNull(hint, "hint");
    }
}
