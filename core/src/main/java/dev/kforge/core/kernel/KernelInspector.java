package dev.kforge.core.kernel;

import dev.kforge.core.KforgeException;
import dev.kforge.core.digest.InputLog;
import dev.kforge.core.model.KernelSource;
import java.io.IOException;
import java.nio.file.Path;

/** Port: reads {@link KernelFacts} from a kernel on disk (implemented by the kbuild adapter). */
public interface KernelInspector {

    /**
     * Inspects one kernel.
     *
     * @param kernel the manifest's kernel
     * @param workspace the workspace root, for relative paths
     * @throws KforgeException ENVIRONMENT when the path is missing or not a kernel
     */
    KernelFacts inspect(KernelSource kernel, Path workspace);

    /** The directory holding the kernel's source (an extracted tarball, or the tree itself). */
    Path sourceDir(KernelSource kernel, Path workspace);

    /**
     * The facts of a prepared headers tree on disk (one a distribution adapter unpacked).
     *
     * @throws KforgeException ENVIRONMENT when it is not a prepared tree (Makefile, .config,
     *     include/generated/utsrelease.h) or its .config names no known architecture
     */
    KernelFacts headers(KernelSource kernel, Path tree) throws IOException;

    /** Where planning's reads are recorded, for the plan cache. */
    InputLog inputs();
}
