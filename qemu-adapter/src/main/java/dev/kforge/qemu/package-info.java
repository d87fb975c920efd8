/**
 * Everything about testing a built driver in a booted kernel: the TEST step's QEMU command line
 * ({@link dev.kforge.qemu.QemuStepPlanner}, implementing core's TestStepPlanner), the guest's
 * initramfs (busybox, the modules in dependency order, a generated /init) written without cpio,
 * running QEMU under a timeout in its own process group, and judging the guest's console.
 */
package dev.kforge.qemu;
