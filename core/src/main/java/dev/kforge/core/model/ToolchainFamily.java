package dev.kforge.core.model;

/** The compiler family a kernel tree was configured with (CONFIG_CC_IS_GCC / CONFIG_CC_IS_CLANG). */
public enum ToolchainFamily {
    GCC,
    LLVM
}
