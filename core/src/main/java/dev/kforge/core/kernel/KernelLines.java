package dev.kforge.core.kernel;

import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.KernelSource;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;

/**
 * Optional capability of a {@link DistroKernels}: kernel lines. A kernel that names the
 * distribution's suites, or every ABI, stands for one kernel per suite and ABI the archive serves
 * now ({@code latest}: each suite's newest; {@code all}: every one; an explicit ABI: that one in
 * each suite), resolved while planning, so a kernel new in the archive is built by the next run.
 */
public interface KernelLines {

    /**
     * The kernels {@code kernel} stands for, oldest first within each suite, suites in the order
     * written; each with one suite and an explicit ABI ({@link KernelSource#expanded}).
     *
     * @param arches the architectures the matrix builds it for (whose package lists are read)
     */
    List<KernelSource> expand(KernelSource kernel, Set<Architecture> arches) throws InterruptedException;

    /** The ABIs {@code suite} serves for {@code arch}, oldest first (the suite's lists fetched when needed). */
    List<String> abis(String suite, Architecture arch) throws InterruptedException;

    /**
     * The suite a toolchain root for {@code expanded} is made from, when {@link #expand} gave it a
     * root (its compiler and kbuild do not run on this machine).
     */
    String rootSuite(KernelSource expanded);

    /**
     * The release whose userland a test guest of {@code expanded} runs (its suite's release, so
     * a port the host's release lacks boots too), or empty for the host's own release.
     */
    Optional<String> guestRelease(KernelSource expanded);

    /** What a toolchain root needs, beyond the catalog's, to build modules for {@code kernel} on {@code arch}. */
    SortedSet<String> rootPackages(KernelSource kernel, Architecture arch, KernelFacts facts);
}
