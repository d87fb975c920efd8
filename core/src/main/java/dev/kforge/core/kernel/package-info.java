/**
 * Ports for what kforge learns about kernels and toolchains on this machine
 * ({@link dev.kforge.core.kernel.KernelInspector}, {@link dev.kforge.core.kernel.RustToolchains},
 * {@link dev.kforge.core.kernel.ToolProbe}) and the facts they return.
 */
package dev.kforge.core.kernel;
