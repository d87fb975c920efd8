package dev.kforge.kbuild;

import dev.kforge.core.KforgeException;
import dev.kforge.core.digest.InputLog;
import dev.kforge.core.kernel.VersionOrder;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Resolves a kernel path from the manifest: relative to the workspace, with an optional glob in its last segment. */
public final class KernelPaths {

    private KernelPaths() {}

    public static Path resolve(String written, Path workspace, String kernelName) {
        return resolve(written, workspace, kernelName, new InputLog());
    }

    /** As {@link #resolve(String, Path, String)}, recording the path (and a glob's directory) in {@code inputs}. */
    public static Path resolve(String written, Path workspace, String kernelName, InputLog inputs) {
        Path p = workspace.resolve(written).normalize();
        String last = p.getFileName() == null ? "" : p.getFileName().toString();
        if (!last.contains("*") && !last.contains("?")) {
            inputs.see(p);
            if (!Files.exists(p)) {
                throw KforgeException.environment(
                        "kernel '" + kernelName + "': " + p + " does not exist", hintFor(written));
            }
            return p;
        }
        List<Path> matches = new ArrayList<>();
        inputs.see(p.getParent()); // its listing: a newer match changes it
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(p.getParent(), last)) {
            ds.forEach(matches::add);
        } catch (IOException e) {
            // An unreadable or missing parent is the same as no match for the user.
        }
        if (matches.isEmpty()) {
            throw KforgeException.environment("kernel '" + kernelName + "': nothing matches " + p, hintFor(written));
        }
        matches.sort(Comparator.comparing((Path x) -> versionKey(x.getFileName().toString())));
        return matches.get(matches.size() - 1);
    }

    private static String hintFor(String written) {
        if (written.contains("linux-headers")) {
            return "apt-get install linux-headers-amd64 (or the headers for your kernel); kforge kernels lists what is installed";
        }
        if (written.contains("linux-source")) {
            return "apt-get install linux-source-6.1 (or the version named); kforge kernels lists what is installed";
        }
        return "kforge kernels lists the kernels found on this machine";
    }

    /** Natural order: numbers compare as numbers, so 6.1.0-56 sorts after 6.1.0-9. */
    static String versionKey(String name) {
        return VersionOrder.key(name);
    }
}
