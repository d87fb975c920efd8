/**
 * The few facts kforge reads from ELF files (e_machine, .modinfo, section digests), bounds-checked.
 */
package dev.kforge.core.elf;
