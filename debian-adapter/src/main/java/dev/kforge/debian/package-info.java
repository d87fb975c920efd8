/**
 * Debian, as a distribution kforge builds for: its archive reached through apt with kforge's own
 * configuration and state, the prebuilt kernel headers of every port ({@link dev.kforge.debian.DebianHeaders},
 * core's {@code DistroKernels} port), its kernel images and static busybox for booting under QEMU
 * ({@link dev.kforge.debian.DebianBootFiles}), and toolchain roots made with debootstrap
 * ({@link dev.kforge.debian.DebianRoots}, core's {@code ToolchainRoots} port). Knows apt, dpkg and
 * debootstrap; nothing of make or Kbuild.
 */
package dev.kforge.debian;
