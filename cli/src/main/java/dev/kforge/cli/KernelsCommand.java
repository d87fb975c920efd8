package dev.kforge.cli;

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
    public Integer call() {
        PrintWriter out = root.out();
        List<KernelDiscovery.Found> found = new KernelDiscovery().find();
        if (found.isEmpty()) {
            root.err().println("no kernels found in /lib/modules/*/build, /usr/src/linux-headers-*, /usr/src/linux-source-*.tar.*");
            root.err().println("  hint: apt-get install linux-headers-amd64 linux-source-6.1");
            root.err().flush();
            return 0;
        }
        out.printf("%-8s %-20s %-8s %s%n", "KIND", "VERSION", "ARCH", "MANIFEST LINE");
        for (KernelDiscovery.Found f : found) {
            out.printf("%-8s %-20s %-8s %s = \"%s\"%n", f.kind(), f.version(), f.arch().isEmpty() ? "any" : f.arch(),
                    f.kind(), f.path());
        }
        out.flush();
        return 0;
    }
}
