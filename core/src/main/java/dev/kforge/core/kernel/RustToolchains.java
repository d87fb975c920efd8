package dev.kforge.core.kernel;

import java.nio.file.Path;

/** Port: finds the rustc, bindgen and rust-src that fit a kernel (implemented by the Rust adapter). */
public interface RustToolchains {

    /**
     * Chooses a Rust toolchain for a kernel.
     *
     * @param kernel facts of the kernel
     * @param sourceDir the kernel source, for scripts/min-tool-version.sh
     */
    RustSelection select(KernelFacts kernel, Path sourceDir);
}
