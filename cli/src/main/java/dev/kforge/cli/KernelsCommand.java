package dev.kforge.cli;

import dev.kforge.core.kernel.KernelListing;
import dev.kforge.kbuild.KernelDiscovery;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "kernels", description = "List the kernels found on this machine, as a manifest can name them.")
final class KernelsCommand implements Callable<Integer> {

    @ParentCommand
    KforgeCommand root;

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
}
