package dev.kforge.debian;

import dev.kforge.core.KforgeException;
import dev.kforge.core.cache.FileLock;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.fs.Staging;
import dev.kforge.core.json.CanonicalJson;
import dev.kforge.core.kernel.BootRoot;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.SourcePos;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What a test guest boots, from Debian's archive: a kernel's image package (the kernel image and
 * its own modules, of the same ABI as the headers kforge builds against) and busybox-static for the
 * guest's userland. Each package is downloaded with {@code apt-get download}, checked against apt's
 * sha256, unpacked once into the user cache under a cross-process lock, and marked ready last; a
 * cached one costs no apt call.
 */
final class DebianBootFiles {

    private static final String MARKER = ".kforge-boot.json";

    private final DebianArchive apt;

    DebianBootFiles(DebianArchive apt) {
        this.apt = apt;
    }

    /**
     * linux-image-ABI-FLAVOUR-unsigned (amd64, arm64), else linux-image-ABI-FLAVOUR (armhf ships no
     * unsigned one): the first apt knows.
     */
    BootRoot image(KernelSource kernel, Architecture arch) {
        try {
            String flavour = arch.debianFlavour()
                    .orElseThrow(() -> KforgeException.environment("Debian builds no kernel for " + arch.key(), ""));
            String abi =
                    kernel.path().equals("latest") ? apt.latest(kernel, flavour, arch.debianArch()) : kernel.path();
            List<String> candidates =
                    List.of("linux-image-" + abi + "-" + flavour + "-unsigned", "linux-image-" + abi + "-" + flavour);
            for (String pkg : candidates) {
                Optional<BootRoot> ready = ready(dir(pkg, arch));
                if (ready.isPresent()) {
                    return ready.get();
                }
            }
            apt.requireEnabled(kernel, arch.debianArch());
            for (String pkg : candidates) {
                Optional<String> show =
                        apt.capture(List.of("apt-cache", "show", "--no-all-versions", pkg + ":" + arch.debianArch()));
                if (show.isPresent() && DebianArchive.fields(show.get()).containsKey("SHA256")) {
                    return fetch(kernel, pkg, arch, "image");
                }
            }
            throw KforgeException.environment(
                    "kernel '" + kernel.name() + "': apt sees no kernel image package for " + abi + " on "
                            + arch.debianArch() + " (tried " + String.join(", ", candidates) + ")",
                    "run apt-get update; kforge kernels lists the Debian kernel ABIs apt can see");
        } catch (IOException e) {
            throw KforgeException.environment(
                    "kernel '" + kernel.name() + "' image for " + arch.key() + ": " + e.getMessage(),
                    "check free space in " + apt.cache().root());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KforgeException(
                    KforgeException.Kind.INTERRUPTED, "interrupted while fetching a kernel image", "");
        }
    }

    /** Debian has busybox-static wherever it has a port; an architecture apt's Release files do not list has none. */
    Optional<String> noBusybox(Architecture arch) {
        if (Files.isDirectory(dir(busyboxPackage(), arch)) && readyQuietly(dir(busyboxPackage(), arch))) {
            return Optional.empty();
        }
        Map<String, List<String>> ports = apt.ports();
        if (!ports.isEmpty() && ports.values().stream().noneMatch(a -> a.contains(arch.debianArch()))) {
            return Optional.of("no busybox-static for a " + arch.key() + " guest: Debian "
                    + String.join("/", ports.keySet()) + " has no " + arch.debianArch() + " port");
        }
        return Optional.empty();
    }

    BootRoot busybox(Architecture arch) {
        KernelSource guest = KernelSource.distro(
                "guest",
                KernelSource.Kind.DISTRO,
                "latest",
                new SourcePos("busybox-static", 1, 1),
                "debian",
                KernelSource.ModuleSig.DEFAULT);
        try {
            Optional<BootRoot> ready = ready(dir(busyboxPackage(), arch));
            if (ready.isPresent()) {
                return ready.get();
            }
            apt.requireEnabled(guest, arch.debianArch());
            return fetch(guest, busyboxPackage(), arch, "guest");
        } catch (IOException e) {
            throw KforgeException.environment(
                    "busybox-static for " + arch.key() + ": " + e.getMessage(),
                    "check free space in " + apt.cache().root());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KforgeException(KforgeException.Kind.INTERRUPTED, "interrupted while fetching busybox", "");
        }
    }

    private static String busyboxPackage() {
        return "busybox-static";
    }

    private Path dir(String pkg, Architecture arch) {
        return apt.cache().root().resolve("debian").resolve(pkg + "_" + arch.debianArch());
    }

    private BootRoot fetch(KernelSource kernel, String pkg, Architecture arch, String kind)
            throws IOException, InterruptedException {
        Path dir = dir(pkg, arch);
        Files.createDirectories(dir.getParent());
        try (FileLock lock =
                FileLock.acquire(apt.cache().locks().resolve("debian-" + pkg + "_" + arch.debianArch() + ".lock"))) {
            Optional<BootRoot> ready = ready(dir);
            if (ready.isPresent()) {
                return ready.get(); // another kforge fetched it while this one waited
            }
            String spec = pkg + ":" + arch.debianArch();
            Map<String, String> show = apt.show(kernel, spec);
            Path deb = apt.download(kernel, spec, show);
            Path staging = Staging.dir(dir.getParent(), dir.getFileName() + ".tmp-");
            try {
                apt.run(kernel, List.of("dpkg-deb", "-x", deb.toString(), staging.toString()), staging);
                Map<String, Object> marker = new LinkedHashMap<>();
                marker.put("kind", kind);
                marker.put("package", spec);
                marker.put("version", show.get("Version"));
                marker.put("sha256", show.get("SHA256"));
                if (kind.equals("image")) {
                    String image = only(staging.resolve("boot"), "vmlinuz-", kernel, spec);
                    String release = image.substring("vmlinuz-".length());
                    if (!Files.isDirectory(staging.resolve("lib/modules").resolve(release))) {
                        throw KforgeException.environment(
                                "kernel '" + kernel.name() + "': " + spec + " has no lib/modules/" + release,
                                "check the Debian mirror apt uses; the package is not a kernel image");
                    }
                    marker.put("file", "boot/" + image);
                    marker.put("modules", "lib/modules");
                    marker.put("release", release);
                } else {
                    Path busybox = staging.resolve("bin/busybox");
                    if (!Files.isRegularFile(busybox)) {
                        throw KforgeException.environment(
                                spec + " has no bin/busybox", "check the Debian mirror apt uses");
                    }
                    marker.put("file", "bin/busybox");
                    marker.put("modules", "");
                }
                Files.writeString(staging.resolve(MARKER), CanonicalJson.write(marker));
                FileTrees.swapIn(staging, dir);
                staging = null;
            } finally {
                if (staging != null) {
                    FileTrees.deleteRecursively(staging);
                }
            }
            Files.deleteIfExists(deb); // unpacked; the image packages are large
            return ready(dir)
                    .orElseThrow(() -> KforgeException.environment(
                            spec + ": " + dir + " is incomplete after unpacking",
                            "run again; report it if it persists"));
        }
    }

    /** The one file in {@code dir} whose name starts with {@code prefix}. */
    private static String only(Path dir, String prefix, KernelSource kernel, String spec) throws IOException {
        List<String> names;
        try (Stream<Path> s = Files.list(dir)) {
            names = s.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(prefix))
                    .sorted()
                    .toList();
        } catch (NoSuchFileException e) {
            names = List.of();
        }
        if (names.size() != 1) {
            throw KforgeException.environment(
                    "kernel '" + kernel.name() + "': " + spec + " holds " + names.size() + " " + prefix
                            + "* files in boot/, not one",
                    "check the Debian mirror apt uses; the package is not a kernel image");
        }
        return names.get(0);
    }

    private boolean readyQuietly(Path dir) {
        try {
            return ready(dir).isPresent();
        } catch (IOException e) {
            return false;
        }
    }

    /** The root whose marker was written (last) and whose file is there. */
    private static Optional<BootRoot> ready(Path dir) throws IOException {
        Optional<Map<?, ?>> read = Markers.read(dir.resolve(MARKER));
        if (read.isEmpty()) {
            return Optional.empty();
        }
        Map<?, ?> m = read.get();
        String file = String.valueOf(m.get("file"));
        if (!Files.isRegularFile(dir.resolve(file))) {
            return Optional.empty();
        }
        SortedMap<String, String> facts = new TreeMap<>();
        facts.put("package:" + m.get("package"), m.get("version") + " sha256:" + m.get("sha256"));
        if (m.get("release") != null) {
            facts.put("release", String.valueOf(m.get("release")));
        }
        return Optional.of(new BootRoot(
                String.valueOf(m.get("kind")),
                dir,
                file,
                String.valueOf(m.get("modules")),
                new Digest(String.valueOf(m.get("sha256"))),
                facts));
    }
}
