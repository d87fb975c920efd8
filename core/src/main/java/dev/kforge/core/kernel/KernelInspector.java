package dev.kforge.core.kernel;

import dev.kforge.core.KforgeException;
import dev.kforge.core.model.KernelSource;
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
}
