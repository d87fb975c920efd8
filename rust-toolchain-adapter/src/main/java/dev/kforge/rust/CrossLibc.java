package dev.kforge.rust;

import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.model.Architecture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The C library a cargo tool crate links against for one architecture: its start files and libc,
 * from libc6-dev on the host's own architecture and from libc6-dev-&lt;arch&gt;-cross for the others.
 * The cross package is only a Recommends of the cross gcc, so a machine set up with
 * --no-install-recommends lacks it and the link fails with "cannot find Scrt1.o".
 */
public final class CrossLibc {

    static final List<String> FILES = List.of("Scrt1.o", "crti.o", "libc.so");

    private final Path root;
    private final String hostDebianArch;

    /** @param root the file system root (/ on a real machine) */
    public CrossLibc(Path root, String hostDebianArch) {
        this.root = root;
        this.hostDebianArch = hostDebianArch;
    }

    /** This machine: its architecture as the catalog knows it (the JVM says amd64 or aarch64, both aliases there). */
    public static CrossLibc host(Catalog catalog) {
        String jvm = System.getProperty("os.arch");
        return new CrossLibc(
                Path.of("/"), catalog.arch(jvm).map(Architecture::debianArch).orElse(jvm));
    }

    /** Where the linker looks for the arch's C library. */
    public Path libDir(Architecture arch) {
        String triple = arch.crossCompile().endsWith("-")
                ? arch.crossCompile().substring(0, arch.crossCompile().length() - 1)
                : arch.crossCompile();
        return arch.debianArch().equals(hostDebianArch)
                ? root.resolve("usr/lib").resolve(triple)
                : root.resolve("usr").resolve(triple).resolve("lib");
    }

    /** The Debian package that provides it. */
    public String packageFor(Architecture arch) {
        return arch.debianArch().equals(hostDebianArch)
                ? "libc6-dev"
                : "libc6-dev-" + arch.debianArch().toLowerCase(Locale.ROOT) + "-cross";
    }

    /** The files the link needs that are missing, empty when it can link. */
    public List<String> missing(Architecture arch) {
        Path dir = libDir(arch);
        return FILES.stream().filter(f -> !Files.exists(dir.resolve(f))).toList();
    }

    /** A one-line reason and fix when the arch's C library is missing. */
    public Optional<String> problem(Architecture arch) {
        List<String> missing = missing(arch);
        if (missing.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("no C library to link " + arch.key() + " executables (" + String.join(", ", missing)
                + " missing in " + libDir(arch) + "): apt-get install " + packageFor(arch));
    }
}
