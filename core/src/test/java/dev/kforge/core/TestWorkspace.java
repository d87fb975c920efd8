package dev.kforge.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds a workspace directory for tests: driver directories with Kbuild files, a fake kernel source. */
public final class TestWorkspace {

    private final Path root;

    public TestWorkspace(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** A C driver directory with a Kbuild file and one source. */
    public TestWorkspace cDriver(String path) {
        String name = Path.of(path).getFileName().toString();
        write(path + "/Kbuild", "obj-m += " + name + ".o\n");
        write(path + "/" + name + ".c", "#include <linux/module.h>\nMODULE_LICENSE(\"GPL\");\n");
        return this;
    }

    /** A Rust driver directory. */
    public TestWorkspace rustDriver(String path) {
        String name = Path.of(path).getFileName().toString();
        write(path + "/Kbuild", "obj-m += " + name + ".o\n");
        write(path + "/" + name + ".rs", "use kernel::prelude::*;\n");
        return this;
    }

    public TestWorkspace manifest(String text) {
        return write("kforge.toml", text);
    }

    public Path manifestPath() {
        return root.resolve("kforge.toml");
    }

    public TestWorkspace write(String path, String text) {
        try {
            Path p = root.resolve(path);
            Files.createDirectories(p.getParent());
            Files.writeString(p, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }
}
