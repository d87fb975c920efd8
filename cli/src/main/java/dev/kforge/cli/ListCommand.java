package dev.kforge.cli;

import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.Toolchain;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "list", description = "List the built-in architectures or toolchains.")
final class ListCommand implements Callable<Integer> {

    enum What {
        arches,
        toolchains
    }

    @ParentCommand
    KforgeCommand root;

    @Parameters(paramLabel = "WHAT", description = "arches or toolchains")
    What what;

    @Override
    public Integer call() {
        PrintWriter out = root.out();
        Catalog c = Catalog.builtIn();
        if (what == What.arches) {
            out.printf(
                    "%-12s %-10s %-8s %-22s %-20s %s%n",
                    "ARCH", "ARCH=", "SRCARCH", "CROSS_COMPILE", "defconfig", "aliases");
            for (Architecture a : c.arches()) {
                out.printf(
                        "%-12s %-10s %-8s %-22s %-20s %s%n",
                        a.key(),
                        a.kernelArch(),
                        a.srcArch(),
                        a.crossCompile(),
                        a.defconfig(),
                        String.join(",", a.aliases()));
            }
        } else {
            out.printf("%-8s %-6s %-10s %-20s %s%n", "NAME", "FAMILY", "COMPILER", "MAKE", "PACKAGES");
            for (Toolchain t : c.toolchains()) {
                StringBuilder make = new StringBuilder();
                t.makeVariables()
                        .forEach((k, v) -> make.append(k).append('=').append(v).append(' '));
                out.printf(
                        "%-8s %-6s %-10s %-20s %s%n",
                        t.key(),
                        t.family().name().toLowerCase(Locale.ROOT),
                        (t.usesCrossCompile() ? "${CROSS_COMPILE}" : "") + t.compiler(),
                        make.toString().strip().isEmpty()
                                ? "-"
                                : make.toString().strip(),
                        String.join(",", t.packages()));
            }
        }
        out.flush();
        return 0;
    }
}
