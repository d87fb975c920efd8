/**
 * Everything about make and Kbuild: the kernel steps' commands
 * ({@link dev.kforge.kbuild.KbuildStepPlanner}, implementing core's KernelStepPlanner), running them
 * ({@link dev.kforge.kbuild.KbuildStepExecutor}: tree preparation, M= builds), reading kernel trees
 * and tarballs, Kbuild logs and their diagnostics, Kconfig files, editor files and the doctor's checks.
 */
package dev.kforge.kbuild;
