package dev.kforge.core.kernel;

import dev.kforge.core.model.Architecture;
import java.util.List;

/**
 * Optional capability of a {@link DistroKernels}: which kernels the distribution serves here, for
 * {@code kforge kernels}. A distribution that cannot list them simply does not implement it.
 */
public interface KernelListing {

    /** Whether this machine can fetch the distribution's kernels for {@code arch} (Debian: the dpkg architecture is enabled). */
    boolean serves(Architecture arch) throws InterruptedException;

    /** The kernel ABIs served for {@code arch}, oldest first. */
    List<String> abis(Architecture arch) throws InterruptedException;
}
