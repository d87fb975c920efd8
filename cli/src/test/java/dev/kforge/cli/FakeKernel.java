package dev.kforge.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A fake x86_64 kernel headers tree for fast pipeline tests (as TuxMake's test/fakelinux): what
 * kforge's inspection reads (.config, utsrelease.h, Module.symvers, a Makefile) and a Makefile whose
 * {@code modules} target writes plausible modules with real make and the host's cc, and fails on
 * request (see the Makefile). No kernel is built; a whole build takes well under a second.
 */
final class FakeKernel {

    static final String RELEASE = "6.1.0-fake";

    private final Path tree;

    private FakeKernel(Path tree) {
        this.tree = tree;
    }

    /** Writes the tree at {@code tree}. */
    static FakeKernel at(Path tree) {
        return at(tree, "6.1.0", RELEASE);
    }

    /** Writes the tree of another kernel version and release (modules carry that release) at {@code tree}. */
    static FakeKernel at(Path tree, String version, String release) {
        try (InputStream makefile = FakeKernel.class.getResourceAsStream("/fakelinux/Makefile")) {
            Files.createDirectories(tree.resolve("include/generated"));
            Files.write(tree.resolve("Makefile"), makefile.readAllBytes());
            Files.writeString(
                    tree.resolve(".config"),
                    "#\n# Automatically generated file; DO NOT EDIT.\n# Linux/x86 " + version
                            + " Kernel Configuration\n#\n" + "CONFIG_CC_IS_GCC=y\nCONFIG_64BIT=y\nCONFIG_MODULES=y\n");
            Files.writeString(
                    tree.resolve("include/generated/utsrelease.h"), "#define UTS_RELEASE \"" + release + "\"\n");
            Files.writeString(tree.resolve("Module.symvers"), "0x00000000\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new FakeKernel(tree);
    }

    /** The makes run against this tree so far, one module directory each. */
    List<String> makes() throws IOException {
        Path log = tree.resolve("make.log");
        return Files.isRegularFile(log) ? Files.readAllLines(log) : List.of();
    }
}
