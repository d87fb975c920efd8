package dev.kforge.core.model;

import java.util.Objects;
import java.util.Optional;

/**
 * {@code [[xfail]]}: cells a driver is known to fail on, with the reason (as a compatibility
 * workflow keeps its list of known failures). Such a cell that fails is reported {@code xfail}
 * and does not fail the run; one that builds (and loads, when tested) is reported {@code xpass}.
 *
 * @param driver the driver
 * @param kernel a kernel's name, or a kernel line's (matching every kernel it expands into); empty: any
 * @param arch an architecture key; empty: any
 * @param from a kernel version: only kernels of this version or newer; empty: any
 * @param reason why it fails (shown with every such cell)
 * @param pos where it was declared
 */
public record ExpectedFailure(
        String driver,
        Optional<String> kernel,
        Optional<String> arch,
        Optional<String> from,
        String reason,
        SourcePos pos) {

    public ExpectedFailure {
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(arch, "arch");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(pos, "pos");
    }
}
