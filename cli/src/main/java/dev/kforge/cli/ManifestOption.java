package dev.kforge.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code -f FILE}: the manifest, ./kforge.toml by default. */
final class ManifestOption {

    @Option(
            names = {"-f", "--file"},
            paramLabel = "FILE",
            defaultValue = "kforge.toml",
            description = "The manifest (default: ${DEFAULT-VALUE}).")
    String file;

    Path path(Context context) {
        return context.cwd().resolve(file).normalize();
    }

    /** How errors name the manifest: as the user typed it. */
    String display() {
        return file;
    }
}
