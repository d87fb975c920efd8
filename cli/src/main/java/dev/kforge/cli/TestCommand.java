package dev.kforge.cli;

import picocli.CommandLine.Command;

/**
 * {@code kforge test}: {@code kforge build --test}. Builds what is not built, then boots each
 * built cell's kernel under QEMU with its modules, loads them, runs the driver's test script and
 * unloads them; passing tests are cached like builds.
 */
@Command(
        name = "test",
        description = "Build, then boot each cell's kernel under QEMU, load its modules, run its test script, "
                + "unload them, and judge the guest's console (out/<cell>/test.log).")
final class TestCommand extends BuildCommand {

    @Override
    boolean testing() {
        return true;
    }
}
