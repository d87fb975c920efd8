/**
 * The built-in architectures and toolchains, one data file each (ARCH, SRCARCH, CROSS_COMPILE,
 * defconfig, Rust target, Debian arch and flavour, QEMU machine, console and image): every fact
 * that differs by architecture or toolchain lives there, not in code.
 */
package dev.kforge.core.catalog;
