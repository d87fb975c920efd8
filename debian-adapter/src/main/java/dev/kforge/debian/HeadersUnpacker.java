package dev.kforge.debian;

import dev.kforge.core.KforgeException;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.fs.Staging;
import dev.kforge.core.json.CanonicalJson;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.KernelInspector;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.KernelSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a downloaded headers package into a tree Kbuild can build against: unpacked with
 * {@code dpkg-deb -x} into a staging directory, the -common tree it includes found or unpacked
 * beside it, its {@code scripts} and {@code tools} pointed at the host's linux-kbuild, checked,
 * a marker written last, and the whole renamed into place.
 */
final class HeadersUnpacker {

    private final DebianArchive apt;
    private final KernelInspector inspector;
    private final Path usr;

    HeadersUnpacker(DebianArchive apt, KernelInspector inspector, Path usr) {
        this.apt = apt;
        this.inspector = inspector;
        this.usr = usr;
    }

    /**
     * Unpacks {@code deb} (fields: Package, Version, Architecture, Depends, SHA256) into a staging
     * directory, fixes it up (the -common tree, the host's kbuild), checks it, writes the marker
     * last and renames the whole into {@code dir}.
     */
    void unpackInto(KernelSource kernel, Optional<Architecture> arch, Path deb, Map<String, String> fields, Path dir)
            throws IOException, InterruptedException {
        String pkg = fields.get("Package");
        Map<String, String> packages = new TreeMap<>();
        packages.put(
                pkg + ":" + fields.getOrDefault("Architecture", "?"),
                fields.get("Version") + " sha256:" + fields.get("SHA256"));
        Path staging = extracted(kernel, deb, dir);
        try {
            Path staged = staging.resolve("root/usr/src").resolve(pkg);
            String depends = fields.getOrDefault("Depends", "");
            Optional<Path> common = commonTree(kernel, depends, staging, dir, staged, packages);
            kbuildLinks(kernel, depends, staged, staging, dir, packages);
            if (common.isPresent()) {
                kbuildLinks(kernel, depends, common.get(), staging, dir, packages);
            }
            check(kernel, arch, staged);
            Map<String, Object> marker = new LinkedHashMap<>();
            marker.put("packages", packages);
            Files.writeString(staging.resolve(DebianHeaders.MARKER), CanonicalJson.write(marker));
            FileTrees.swapIn(staging, dir);
            staging = null;
        } finally {
            if (staging != null) {
                FileTrees.deleteRecursively(staging);
            }
        }
    }

    /** {@code deb} extracted (dpkg-deb -x) into {@code root/} of a new staging directory beside {@code dir}. */
    private Path extracted(KernelSource kernel, Path deb, Path dir) throws IOException, InterruptedException {
        Path staging = Staging.dir(dir.getParent(), dir.getFileName() + ".tmp-");
        try {
            apt.run(
                    kernel,
                    List.of(
                            "dpkg-deb",
                            "-x",
                            deb.toString(),
                            staging.resolve("root").toString()),
                    staging);
            return staging;
        } catch (RuntimeException | InterruptedException e) {
            FileTrees.deleteRecursively(staging);
            throw e;
        }
    }

    /**
     * The tree's Makefile includes linux-headers-ABI-common by absolute path: the host's when it has
     * the same version installed, else one fetched and unpacked next to the tree (the include rewritten).
     */
    private Optional<Path> commonTree(
            KernelSource kernel, String depends, Path staging, Path dir, Path staged, Map<String, String> packages)
            throws IOException, InterruptedException {
        Matcher m =
                Pattern.compile("(linux-headers-\\S+-common) \\(= ([^)]+)\\)").matcher(depends);
        if (!m.find()) {
            return Optional.empty();
        }
        String common = m.group(1);
        String version = m.group(2);
        Path host = usr.resolve("src").resolve(common);
        Optional<String> installed = apt.capture(List.of("dpkg-query", "-W", "-f=${Version}", common));
        if (Files.isRegularFile(host.resolve("Makefile"))
                && installed.filter(version::equals).isPresent()) {
            return Optional.empty();
        }
        Map<String, String> show = apt.show(kernel, common + "=" + version);
        Path deb = apt.download(kernel, common + "=" + version, show);
        packages.put(common, version + " sha256:" + show.get("SHA256"));
        apt.run(
                kernel,
                List.of(
                        "dpkg-deb",
                        "-x",
                        deb.toString(),
                        staging.resolve("root").toString()),
                staging);
        Path finalCommon = dir.resolve("root/usr/src").resolve(common);
        Path makefile = staged.resolve("Makefile");
        // From 7.x the tree's Makefile also names itself (KBUILD_OUTPUT=/usr/src/linux-headers-ABI-FLAVOUR).
        Path finalTree = dir.resolve("root/usr/src").resolve(staged.getFileName());
        Files.writeString(
                makefile,
                Files.readString(makefile)
                        .replace("/usr/src/" + common + "/", finalCommon + "/")
                        .replace(
                                "KBUILD_OUTPUT=/usr/src/" + staged.getFileName() + "\n",
                                "KBUILD_OUTPUT=" + finalTree + "\n"));
        return Optional.of(staging.resolve("root/usr/src").resolve(common));
    }

    /**
     * scripts and tools are relative links into linux-kbuild-X.Y: point them at the host's, or (for
     * a suite's kernel the host has no kbuild for) at that suite's linux-kbuild for this machine's
     * architecture, fetched from the suite and unpacked into the tree's own directory (so a toolchain
     * root that binds the tree sees it too).
     */
    private void kbuildLinks(
            KernelSource kernel, String depends, Path staged, Path staging, Path dir, Map<String, String> packages)
            throws IOException, InterruptedException {
        Matcher m = Pattern.compile("(linux-kbuild-[0-9][^\\s,()]*)").matcher(depends);
        String kbuild = m.find() ? m.group(1) : "linux-kbuild-" + kernelSeries(staged);
        Path host = usr.resolve("lib").resolve(kbuild);
        if (!Files.isDirectory(host.resolve("scripts")) && apt.suiteName().isPresent()) {
            // Beside the trees in usr/src, so that whatever sees the tree (a toolchain root binds its parent) sees it.
            Path lib = Path.of("usr/src").resolve(kbuild);
            if (!Files.isDirectory(staging.resolve("root").resolve(lib))) {
                String hostArch = apt.capture(List.of("dpkg", "--print-architecture"))
                        .map(String::strip)
                        .orElse("amd64");
                apt.ensure(Set.of(hostArch));
                Map<String, String> show = apt.show(kernel, kbuild + ":" + hostArch);
                Path deb = apt.download(kernel, kbuild + ":" + hostArch, show);
                Path unpacked = staging.resolve("kbuild");
                apt.run(kernel, List.of("dpkg-deb", "-x", deb.toString(), unpacked.toString()), staging);
                Files.move(
                        unpacked.resolve("usr/lib").resolve(kbuild),
                        staging.resolve("root").resolve(lib));
                FileTrees.deleteRecursively(unpacked);
                packages.put(kbuild + ":" + hostArch, show.get("Version") + " sha256:" + show.get("SHA256"));
            }
            host = dir.resolve("root").resolve(lib);
        } else if (!Files.isDirectory(host.resolve("scripts"))) {
            throw KforgeException.environment(
                    "kernel '" + kernel.name() + "': Debian's headers need the host's " + kbuild
                            + " (its scripts and tools run on this machine for every architecture)",
                    "apt-get install " + kbuild);
        }
        for (String link : List.of("scripts", "tools")) {
            Path l = staged.resolve(link);
            Files.deleteIfExists(l);
            Files.createSymbolicLink(l, host.resolve(link));
        }
    }

    private static String kernelSeries(Path tree) {
        String name = tree.getFileName().toString(); // linux-headers-6.1.0-56-arm64
        Matcher m = Pattern.compile("linux-headers-(\\d+\\.\\d+)").matcher(name);
        return m.find() ? m.group(1) : "unknown";
    }

    /** What first use needs: a prepared headers tree for this arch (the inspector reads it), with Module.symvers. */
    private void check(KernelSource kernel, Optional<Architecture> arch, Path tree) throws IOException {
        List<String> problems = new ArrayList<>();
        try {
            KernelFacts facts = inspector.headers(kernel, tree);
            if (arch.isPresent()
                    && !facts.headersArch().equals(Optional.of(arch.get().key()))) {
                problems.add(".config is for " + facts.headersArch().orElse("no architecture") + ", not "
                        + arch.get().key());
            }
        } catch (KforgeException e) {
            problems.add(e.getMessage());
        }
        if (!Files.isRegularFile(tree.resolve("Module.symvers"))) {
            problems.add("no Module.symvers");
        }
        if (!problems.isEmpty()) {
            throw KforgeException.environment(
                    "kernel '" + kernel.name() + "': the unpacked " + tree.getFileName() + " is unusable: "
                            + String.join("; ", problems),
                    "check the Debian mirror apt uses; the package is not a kernel headers tree");
        }
    }
}
