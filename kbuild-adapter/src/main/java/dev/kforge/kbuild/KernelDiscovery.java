package dev.kforge.kbuild;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Finds kernels installed on this machine: headers trees and Debian's linux-source tarballs. */
public final class KernelDiscovery {

    /**
     * A kernel found on disk.
     *
     * @param kind "headers" or "source", as the manifest key names it
     * @param path where it is
     * @param version the version or release it declares, as far as cheaply known
     * @param arch the SRCARCH of a headers tree; empty for sources (they serve every arch)
     */
    public record Found(String kind, Path path, String version, String arch) {}

    private static final Pattern SOURCE = Pattern.compile("linux-source-([0-9][0-9.]*)\\.tar\\.(xz|gz|bz2)");

    private final List<Path> roots;

    public KernelDiscovery() {
        this(List.of(Path.of("/lib/modules"), Path.of("/usr/src")));
    }

    KernelDiscovery(List<Path> roots) {
        this.roots = List.copyOf(roots);
    }

    public List<Found> find() {
        List<Found> out = new ArrayList<>();
        List<Path> seen = new ArrayList<>();
        for (Path root : roots) {
            for (Path p : list(root)) {
                String name = p.getFileName().toString();
                Path tree = root.getFileName() != null
                                && root.getFileName().toString().equals("modules")
                        ? p.resolve("build")
                        : p;
                if ((name.startsWith("linux-headers-") || tree.endsWith("build"))
                        && Files.isRegularFile(tree.resolve(".config"))) {
                    Path real = realPath(tree);
                    if (!seen.contains(real)) {
                        seen.add(real);
                        out.add(headers(tree));
                    }
                }
                Matcher m = SOURCE.matcher(name);
                if (m.matches() && Files.isRegularFile(p)) {
                    out.add(new Found("source", p, m.group(1), ""));
                }
            }
        }
        out.sort(Comparator.comparing(Found::kind)
                .thenComparing(f -> KernelPaths.versionKey(f.path().toString())));
        return out;
    }

    private static Found headers(Path tree) {
        String release = "";
        try {
            release = KernelConfig.utsRelease(tree).orElse("");
        } catch (IOException e) {
            // Release unknown: the tree is listed anyway.
        }
        String arch = KernelConfig.read(tree.resolve(".config")).srcArch().orElse("?");
        return new Found("headers", tree, release, arch);
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p;
        }
    }

    private static List<Path> list(Path dir) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(out::add);
        } catch (IOException e) {
            return out;
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    /** The newest Debian source tarball of a version series, if installed. */
    public Optional<Found> source(String series) {
        return find().stream()
                .filter(f -> f.kind().equals("source") && f.version().equals(series))
                .findFirst();
    }
}
