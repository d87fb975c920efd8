/**
 * The kforge command: picocli commands that read options, call one core service and map the
 * outcome to an exit code, and {@link dev.kforge.cli.Context}, the hand-written composition root
 * that wires core to the adapters.
 */
package dev.kforge.cli;
