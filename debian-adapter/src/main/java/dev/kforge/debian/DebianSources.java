package dev.kforge.debian;

import dev.kforge.core.KforgeException;
import dev.kforge.core.cache.FileLock;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.fs.Staging;
import dev.kforge.core.json.CanonicalJson;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.KernelSources;
import dev.kforge.core.model.KernelSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's source of one of its kernels: {@code linux-source-X.Y} of exactly the version of the
 * kernel's headers packages, from the kernel's suite, downloaded (digest checked) and unpacked once
 * into {@code CACHE/debian/linux-source-X.Y_VERSION}, the marker written last; kforge then reads its
 * {@code usr/src/linux-source-X.Y.tar.xz} as it reads any source tarball.
 */
final class DebianSources {

    private static final String MARKER = ".kforge-source.json";
    private static final Pattern SERIES = Pattern.compile("^(\\d+\\.\\d+)");

    private final DebianArchive apt;

    DebianSources(DebianArchive apt) {
        this.apt = apt;
    }

    KernelSources.Source source(KernelSource kernel, KernelFacts tree) throws InterruptedException {
        Optional<String> version = headersVersion(tree);
        Matcher series = SERIES.matcher(tree.version());
        if (version.isEmpty() || !series.find()) {
            return KernelSources.Source.missing(
                    "linux-source",
                    "kforge cannot tell which Debian package version kernel '" + kernel.name() + "' (" + tree.version()
                            + ") is, so not which linux-source it was built from");
        }
        String pkg = "linux-source-" + series.group(1);
        String name = pkg + " " + version.get();
        String where = apt.suiteName().map(s -> "Debian " + s).orElse("apt");
        Optional<Map<String, String>> show = apt.known(pkg + "=" + version.get());
        if (show.isEmpty()) {
            Optional<String> has = apt.known(pkg).map(m -> m.get("Version"));
            return KernelSources.Source.missing(
                    name,
                    where + " has no " + name + " (the version of the kernel's headers) to build its Rust crates from"
                            + has.map(v -> "; it has " + pkg + " " + v).orElse("; it has no " + pkg)
                            + ": when the archive has moved past this kernel, take its newest (debian = \"latest\")");
        }
        Path dir = apt.cache().root().resolve("debian").resolve(pkg + "_" + version.get());
        Path tarball = dir.resolve("usr/src/" + pkg + ".tar.xz");
        try {
            Files.createDirectories(dir.getParent());
            try (FileLock lock =
                    FileLock.acquire(apt.cache().locks().resolve("debian-" + dir.getFileName() + ".lock"))) {
                if (ready(dir, tarball)) {
                    return KernelSources.Source.found(tarball, name);
                }
                Path deb = apt.download(kernel, pkg + "=" + version.get(), show.get());
                Path staging = Staging.dir(dir.getParent(), dir.getFileName() + ".tmp-");
                try {
                    apt.run(kernel, java.util.List.of("dpkg-deb", "-x", deb.toString(), staging.toString()), staging);
                    if (!Files.isRegularFile(staging.resolve("usr/src/" + pkg + ".tar.xz"))) {
                        throw KforgeException.environment(
                                "kernel '" + kernel.name() + "': " + name + " holds no usr/src/" + pkg + ".tar.xz",
                                "report it: Debian's linux-source packages ship the tarball there");
                    }
                    Map<String, Object> marker = new LinkedHashMap<>();
                    marker.put("package", pkg);
                    marker.put("version", version.get());
                    marker.put("sha256", show.get().get("SHA256"));
                    Files.writeString(staging.resolve(MARKER), CanonicalJson.write(marker));
                    FileTrees.swapIn(staging, dir);
                    staging = null;
                } finally {
                    if (staging != null) {
                        FileTrees.deleteRecursively(staging);
                    }
                }
                Files.deleteIfExists(deb); // unpacked: the tarball is what is kept
                return KernelSources.Source.found(tarball, name);
            }
        } catch (IOException e) {
            throw KforgeException.environment(
                    "kernel '" + kernel.name() + "': cannot fetch " + name + ": " + e.getMessage(),
                    "check free space in " + apt.cache().root());
        }
    }

    private static boolean ready(Path dir, Path tarball) throws IOException {
        return Markers.read(dir.resolve(MARKER)).isPresent() && Files.isRegularFile(tarball);
    }

    /** The Debian version of the kernel's headers package ({@code 7.3.4-1~bpo13+1}), from the tree's provenance. */
    static Optional<String> headersVersion(KernelFacts tree) {
        return tree.provenance().entrySet().stream()
                .filter(e -> e.getKey().startsWith("package:linux-headers-"))
                .map(e -> e.getValue().split(" ")[0])
                .findFirst();
    }
}
