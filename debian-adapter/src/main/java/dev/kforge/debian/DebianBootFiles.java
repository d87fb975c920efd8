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
import java.util.ArrayList;
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
     * The image package of one kernel: where Debian puts the kernel and its modules in it.
     *
     * @param kernel the package holding the kernel image
     * @param modules the package holding its modules, when another (7.x: linux-modules-ABI-FLAVOUR)
     */
    record ImagePackages(String kernel, Optional<String> modules) {}

    /**
     * The image packages Debian may ship for {@code abi}, in the order tried: linux-image-ABI-FLAVOUR-unsigned
     * (5.10 to 6.x on amd64, arm64), linux-binary-unsigned-ABI-FLAVOUR with linux-modules-ABI-FLAVOUR
     * (7.x, where linux-image-ABI-FLAVOUR is a metapackage), else linux-image-ABI-FLAVOUR (armhf ships no
     * unsigned one).
     */
    static List<ImagePackages> candidates(String abi, String flavour) {
        String af = abi + "-" + flavour;
        return List.of(
                new ImagePackages("linux-image-" + af + "-unsigned", Optional.empty()),
                new ImagePackages("linux-binary-unsigned-" + af, Optional.of("linux-modules-" + af)),
                new ImagePackages("linux-image-" + af, Optional.empty()));
    }

    /** The image package(s) of {@code kernel} for {@code arch}: the first layout apt knows, fetched when not cached. */
    BootRoot image(KernelSource kernel, Architecture arch) {
        try {
            String flavour = arch.debianFlavour()
                    .orElseThrow(() -> KforgeException.environment("Debian builds no kernel for " + arch.key(), ""));
            String abi =
                    kernel.path().equals("latest") ? apt.latest(kernel, flavour, arch.debianArch()) : kernel.path();
            List<ImagePackages> candidates = candidates(abi, flavour);
            for (ImagePackages pkg : candidates) {
                Optional<BootRoot> ready = ready(dir(pkg.kernel(), arch));
                if (ready.isPresent()) {
                    return ready.get();
                }
            }
            apt.requireEnabled(kernel, arch.debianArch());
            for (ImagePackages pkg : candidates) {
                if (known(pkg.kernel(), arch)
                        && (pkg.modules().isEmpty() || known(pkg.modules().get(), arch))) {
                    return fetchImage(kernel, pkg, arch);
                }
            }
            throw KforgeException.environment(
                    "kernel '" + kernel.name() + "': " + where() + " has no kernel image package for " + abi + " on "
                            + arch.debianArch() + " (tried "
                            + String.join(
                                    ", ",
                                    candidates.stream()
                                            .map(ImagePackages::kernel)
                                            .toList()) + ")",
                    "kforge kernels lists the Debian kernel ABIs apt can see"
                            + (apt.suiteName().isPresent() ? "" : "; run apt-get update"));
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

    private boolean known(String pkg, Architecture arch) throws InterruptedException {
        return apt.known(pkg + ":" + arch.debianArch()).isPresent();
    }

    private String where() {
        return apt.suiteName().map(s -> "Debian " + s).orElse("apt");
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
            return fetch(guest, List.of(busyboxPackage()), arch, "guest");
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

    /** Where a package is unpacked: per architecture, and per suite for a suite's (two releases' busyboxes differ). */
    private Path dir(String pkg, Architecture arch) {
        return apt.cache()
                .root()
                .resolve("debian")
                .resolve(pkg + "_" + arch.debianArch()
                        + apt.suiteName().map(s -> "_" + s).orElse(""));
    }

    private BootRoot fetchImage(KernelSource kernel, ImagePackages pkg, Architecture arch)
            throws IOException, InterruptedException {
        List<String> pkgs = new ArrayList<>(List.of(pkg.kernel()));
        pkg.modules().ifPresent(pkgs::add);
        return fetch(kernel, pkgs, arch, "image");
    }

    /**
     * {@code pkgs} unpacked together into one directory, under a lock, the marker written last: the
     * first package names the directory and the root's identity covers every one.
     */
    private BootRoot fetch(KernelSource kernel, List<String> pkgs, Architecture arch, String kind)
            throws IOException, InterruptedException {
        Path dir = dir(pkgs.get(0), arch);
        Files.createDirectories(dir.getParent());
        try (FileLock lock = FileLock.acquire(apt.cache().locks().resolve("debian-" + dir.getFileName() + ".lock"))) {
            Optional<BootRoot> ready = ready(dir);
            if (ready.isPresent()) {
                return ready.get(); // another kforge fetched it while this one waited
            }
            Path staging = Staging.dir(dir.getParent(), dir.getFileName() + ".tmp-");
            List<Path> debs = new ArrayList<>();
            try {
                List<Map<String, Object>> unpacked = new ArrayList<>();
                for (String p : pkgs) {
                    String spec = p + ":" + arch.debianArch();
                    Map<String, String> show = apt.show(kernel, spec);
                    Path deb = apt.download(kernel, spec, show);
                    debs.add(deb);
                    apt.run(kernel, List.of("dpkg-deb", "-x", deb.toString(), staging.toString()), staging);
                    Map<String, Object> one = new LinkedHashMap<>();
                    one.put("package", spec);
                    one.put("version", show.get("Version"));
                    one.put("sha256", show.get("SHA256"));
                    unpacked.add(one);
                }
                Map<String, Object> marker = new LinkedHashMap<>();
                marker.put("kind", kind);
                marker.put("packages", unpacked);
                marker.putAll(
                        kind.equals("image")
                                ? imageFiles(staging, kernel, pkgs.get(0) + ":" + arch.debianArch())
                                : guestFiles(staging, pkgs.get(0) + ":" + arch.debianArch()));
                Files.writeString(staging.resolve(MARKER), CanonicalJson.write(marker));
                FileTrees.swapIn(staging, dir);
                staging = null;
            } finally {
                if (staging != null) {
                    FileTrees.deleteRecursively(staging);
                }
            }
            for (Path deb : debs) {
                Files.deleteIfExists(deb); // unpacked; the image packages are large
            }
            return ready(dir)
                    .orElseThrow(() -> KforgeException.environment(
                            pkgs.get(0) + ": " + dir + " is incomplete after unpacking",
                            "run again; report it if it persists"));
        }
    }

    /**
     * Where the kernel and its modules are in an unpacked image: {@code boot/vmlinuz-RELEASE} (riscv64:
     * {@code boot/vmlinux-RELEASE}) and
     * {@code lib/modules/RELEASE} (to 6.x), or {@code usr/lib/modules/RELEASE/vmlinuz.unsigned} and
     * its modules beside it (7.x).
     */
    private static Map<String, Object> imageFiles(Path staging, KernelSource kernel, String spec) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        String modules;
        String release;
        if (Files.isDirectory(staging.resolve("boot"))) {
            // riscv64's is an uncompressed vmlinux-RELEASE (QEMU loads the ELF), every other port's a vmlinuz-RELEASE
            String prefix = hasEntry(staging.resolve("boot"), "vmlinuz-") ? "vmlinuz-" : "vmlinux-";
            String image = only(staging.resolve("boot"), prefix, kernel, spec);
            release = image.substring(prefix.length());
            out.put("file", "boot/" + image);
            modules = Files.isDirectory(staging.resolve("usr/lib/modules").resolve(release))
                    ? "usr/lib/modules"
                    : "lib/modules";
        } else {
            modules = "usr/lib/modules";
            release = only(staging.resolve(modules), "", kernel, spec);
            if (!Files.isRegularFile(staging.resolve(modules).resolve(release).resolve("vmlinuz.unsigned"))) {
                throw KforgeException.environment(
                        "kernel '" + kernel.name() + "': " + spec + " has neither boot/vmlinuz-* nor " + modules + "/"
                                + release + "/vmlinuz.unsigned",
                        "check the Debian mirror; the package is not a kernel image");
            }
            out.put("file", modules + "/" + release + "/vmlinuz.unsigned");
        }
        if (!Files.isDirectory(staging.resolve(modules).resolve(release).resolve("kernel"))) {
            throw KforgeException.environment(
                    "kernel '" + kernel.name() + "': " + spec + " brings no " + modules + "/" + release + "/kernel",
                    "check the Debian mirror; the kernel's own modules are missing");
        }
        out.put("modules", modules);
        out.put("release", release);
        return out;
    }

    /** Where busybox is: bin/busybox, or usr/bin/busybox from trixie on (/usr merged). */
    private static Map<String, Object> guestFiles(Path staging, String spec) {
        for (String file : List.of("bin/busybox", "usr/bin/busybox")) {
            if (Files.isRegularFile(staging.resolve(file))) {
                return new LinkedHashMap<>(Map.of("file", file, "modules", ""));
            }
        }
        throw KforgeException.environment(
                spec + " has neither bin/busybox nor usr/bin/busybox", "check the Debian mirror apt uses");
    }

    private static boolean hasEntry(Path dir, String prefix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith(prefix));
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
                            + "* entries in " + dir.getParent().getFileName() + "/" + dir.getFileName() + ", not one",
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
        if (read.isEmpty() || !(read.get().get("packages") instanceof List<?> packages) || packages.isEmpty()) {
            return Optional.empty(); // none, or written by an older kforge: fetched again
        }
        Map<?, ?> m = read.get();
        String file = String.valueOf(m.get("file"));
        if (!Files.isRegularFile(dir.resolve(file))) {
            return Optional.empty();
        }
        SortedMap<String, String> facts = new TreeMap<>();
        List<String> digests = new ArrayList<>();
        for (Object o : packages) {
            Map<?, ?> p = (Map<?, ?>) o;
            facts.put("package:" + p.get("package"), p.get("version") + " sha256:" + p.get("sha256"));
            digests.add(String.valueOf(p.get("sha256")));
        }
        if (m.get("release") != null) {
            facts.put("release", String.valueOf(m.get("release")));
        }
        Digest identity = digests.size() == 1 ? new Digest(digests.get(0)) : Digest.of(String.join("\n", digests));
        return Optional.of(new BootRoot(
                String.valueOf(m.get("kind")), dir, file, String.valueOf(m.get("modules")), identity, facts));
    }
}
