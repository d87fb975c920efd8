package dev.kforge.cli;

import dev.kforge.core.KforgeException;
import dev.kforge.core.model.Packaging;
import dev.kforge.core.service.PackageChoice;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kforge package}: {@code kforge build}, then a package of every built cell in each format
 * (the manifest's {@code [package] formats}, or {@code --format}) under out/packages/. With
 * {@code --test}, a cell is packaged only after its test passed.
 */
@Command(
        name = "package",
        description = "Build, then write packages of the built cells into out/packages/: a Debian package per "
                + "driver, kernel ABI and arch (deb), an OCI kmod image in KMM's layout (oci). With --test, "
                + "only cells whose test passed are packaged.")
final class PackageCommand extends BuildCommand {

    @Option(
            names = "--format",
            paramLabel = "FORMAT",
            split = ",",
            description = "Package formats: deb, oci (default: [package] formats in kforge.toml, else deb).")
    List<String> formats;

    @Override
    PackageChoice packages() {
        if (formats == null || formats.isEmpty()) {
            return PackageChoice.MANIFEST;
        }
        List<String> chosen = new ArrayList<>();
        for (String f : formats) {
            if (!Packaging.FORMATS.contains(f)) {
                throw KforgeException.userInput(
                        "--format " + f + ": not a package format",
                        "formats are " + String.join(", ", Packaging.FORMATS));
            }
            if (!chosen.contains(f)) {
                chosen.add(f);
            }
        }
        return PackageChoice.of(chosen);
    }
}
