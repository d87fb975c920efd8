package dev.kforge.core.service;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of building one cell twice.
 *
 * @param cell the cell id
 * @param module the module file name (kf_core.ko), empty when the cell built none
 * @param reproducible whether both builds gave the same bytes
 * @param sha256 the digests of the first and second build
 * @param differingSections ELF sections whose contents differ
 * @param problem why the cell could not be compared (a build failed), else empty
 */
public record Verification(
        String cell,
        String module,
        boolean reproducible,
        List<String> sha256,
        List<String> differingSections,
        String problem) {

    public Verification {
        Objects.requireNonNull(cell, "cell");
        Objects.requireNonNull(module, "module");
        sha256 = List.copyOf(sha256);
        differingSections = List.copyOf(differingSections);
        Objects.requireNonNull(problem, "problem");
    }
}
