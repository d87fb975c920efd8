package dev.kforge.cli;

import dev.kforge.core.kernel.Distributions;
import dev.kforge.core.kernel.KernelLines;
import dev.kforge.core.kernel.KernelListing;
import dev.kforge.kbuild.KernelDiscovery;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "kernels", description = "List the kernels found on this machine, as a manifest can name them.")
final class KernelsCommand implements Callable<Integer> {

    @ParentCommand
    KforgeCommand root;

    @Option(
            names = "--suite",
            paramLabel = "SUITE",
            description = "Also list the kernel ABIs a Debian suite serves (repeatable), through kforge's own apt "
                    + "for it: e.g. --suite bullseye --suite trixie-backports --suite sid.")
    List<String> suites = new ArrayList<>();

    @Option(
            names = "--arch",
            paramLabel = "ARCH",
            description = "With --suite: the architectures to list (repeatable; default x86_64 and arm64).")
    List<String> arches = new ArrayList<>();

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = root.out();
        List<KernelDiscovery.Found> found = new KernelDiscovery().find();
        out.printf("%-8s %-20s %-8s %s%n", "KIND", "VERSION", "ARCH", "MANIFEST LINE");
        for (KernelDiscovery.Found f : found) {
            out.printf(
                    "%-8s %-20s %-8s %s = \"%s\"%n",
                    f.kind(), f.version(), f.arch().isEmpty() ? "any" : f.arch(), f.kind(), f.path());
        }
        // The distributions' kernels this machine can fetch (Debian's: the dpkg architectures enabled here).
        var services = root.services();
        var distributions = root.context.distributions(services.cache());
        int listed = 0;
        for (String name : distributions.names()) {
            if (!(distributions.find(name).orElseThrow() instanceof KernelListing listing)) {
                continue;
            }
            for (var arch : services.catalog().arches()) {
                if (!listing.serves(arch)) {
                    continue;
                }
                for (String abi : listing.abis(arch)) {
                    out.printf("%-8s %-20s %-8s %s = \"%s\"%n", name, abi, arch.key(), name, abi);
                    listed++;
                }
            }
        }
        listed += suites(out, distributions);
        out.flush();
        if (found.isEmpty() && listed == 0) {
            root.err()
                    .println(
                            "no kernels found in /lib/modules/*/build, /usr/src/linux-headers-*, /usr/src/linux-source-*.tar.*,"
                                    + " nor Debian kernel headers apt can see");
            root.err().println("  hint: apt-get install linux-headers-amd64 linux-source-6.1, or apt-get update");
            root.err().flush();
        }
        return 0;
    }

    /** For each --suite: SUITE ABI ARCH and the manifest lines that name it. */
    private int suites(PrintWriter out, Distributions distributions) throws InterruptedException {
        if (suites.isEmpty()) {
            return 0;
        }
        if (!(distributions.find("debian").orElseThrow() instanceof KernelLines lines)) {
            return 0;
        }
        List<String> wanted = arches.isEmpty() ? List.of("x86_64", "arm64") : arches;
        int listed = 0;
        out.printf("%-18s %-20s %-8s %s%n", "SUITE", "ABI", "ARCH", "MANIFEST LINES");
        for (String suite : suites) {
            for (String a : wanted) {
                var arch = root.services().catalog().requireArch(a);
                for (String abi : lines.abis(suite, arch)) {
                    out.printf(
                            "%-18s %-20s %-8s debian = \"%s\", suites = [\"%s\"]%n",
                            suite, abi, arch.key(), abi, suite);
                    listed++;
                }
            }
        }
        return listed;
    }
}
