package dev.kforge.core.model;

import java.util.Objects;

/**
 * A build environment named in the manifest ({@code [[toolchain_root]]}): a Debian root kforge
 * creates once in the user cache (debootstrap, then apt-get install of the tools the kernels that
 * use it need), in which those kernels' make, compilers, rustc and bindgen run.
 *
 * @param name the manifest's name for it; kernels name it with {@code root = "NAME"}
 * @param suite the Debian suite it is made from (trixie)
 * @param pos where it was declared
 */
public record ToolchainRoot(String name, String suite, SourcePos pos) {

    public ToolchainRoot {
        Names.require("toolchain root name", name);
        Objects.requireNonNull(suite, "suite");
        Objects.requireNonNull(pos, "pos");
    }
}
