package dev.kforge.core.manifest;

import dev.kforge.core.manifest.TableReader.Positioned;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.Names;
import dev.kforge.core.model.ToolchainRoot;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The manifest's {@code [[kernel]]} tables; see docs/manifest.md. */
final class KernelTables {

    static final Set<String> KERNEL = union(
            Set.of(
                    "name",
                    "headers",
                    "source",
                    "debian",
                    "deb",
                    "distribution",
                    "abi",
                    "config",
                    "fragments",
                    "symvers",
                    "boot",
                    "root"),
            SigningTables.KERNEL);

    private final ManifestRefs refs;

    KernelTables(ManifestRefs refs) {
        this.refs = refs;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> out = new HashSet<>(a);
        out.addAll(b);
        return Set.copyOf(out);
    }

    List<KernelSource> read(TableReader top, List<ToolchainRoot> roots) {
        Map<String, KernelSource> byName = new LinkedHashMap<>();
        for (TableReader t : top.tables("kernel")) {
            t.onlyKeys(KERNEL);
            String name = refs.name(t, "kernel");
            if (byName.containsKey(name)) {
                throw new ManifestException(
                        t.posOf("name"),
                        "duplicate kernel name '" + name + "'",
                        "first declared at " + byName.get(name).pos() + "; kernel names must be unique");
            }
            boolean headers = t.has("headers");
            boolean source = t.has("source");
            boolean debian = t.has("debian");
            boolean deb = t.has("deb");
            // distribution = "NAME" (abi = "..." or the newest): a distribution kforge has an adapter
            // for; debian = "ABI" is the same for Debian.
            boolean distro = t.has("distribution");
            if ((headers ? 1 : 0) + (source ? 1 : 0) + (debian ? 1 : 0) + (deb ? 1 : 0) + (distro ? 1 : 0) != 1) {
                throw new ManifestException(
                        t.pos(),
                        "kernel '" + name
                                + "' needs exactly one of 'headers', 'source', 'debian', 'deb' or 'distribution'",
                        "headers = \"/usr/src/linux-headers-*-amd64\" for a prepared tree; "
                                + "source = \"/usr/src/linux-source-6.1.tar.xz\" for a tree kforge prepares; "
                                + "debian = \"6.1.0-56\" (or \"latest\") for Debian's kernels of every architecture; "
                                + "deb = \"linux-headers-....deb\" for a headers package you have");
            }
            KernelSource.Kind kind = headers
                    ? KernelSource.Kind.HEADERS
                    : source
                            ? KernelSource.Kind.SOURCE
                            : debian || distro ? KernelSource.Kind.DISTRO : KernelSource.Kind.DISTRO_PACKAGE;
            String key = headers ? "headers" : source ? "source" : debian ? "debian" : distro ? "distribution" : "deb";
            String path = distro ? t.optString("abi").orElse("latest") : t.string(key);
            if (distro && !Names.isValid(t.string("distribution"))) {
                throw new ManifestException(
                        t.posOf("distribution"),
                        "'" + t.string("distribution") + "' is not a distribution name",
                        "a distribution name " + Names.rule());
            }
            if (t.has("abi") && !distro) {
                throw new ManifestException(
                        t.posOf("abi"),
                        "kernel '" + name + "': abi goes with distribution = \"NAME\"",
                        "for Debian write debian = \"6.1.0-56\"");
            }
            if (path.isBlank()) {
                throw new ManifestException(
                        t.posOf(key),
                        debian ? "kernel ABI is empty" : "kernel path is empty",
                        debian
                                ? "debian = \"6.1.0-56\" names linux-headers-6.1.0-56-FLAVOUR; \"latest\" the newest apt sees"
                                : "name a directory or a .tar.xz");
            }
            if (debian && !path.equals("latest") && !path.matches("\\d+\\.\\d+\\.\\d+-\\d+[a-z0-9.+~-]*")) {
                throw new ManifestException(
                        t.posOf(key),
                        "'" + path + "' is not a Debian kernel ABI",
                        "write the ABI as in linux-headers-ABI-FLAVOUR, e.g. debian = \"6.1.0-56\", or \"latest\"");
            }
            Optional<String> config = t.optString("config");
            List<Positioned> fragments = t.strings("fragments");
            if (!source && (config.isPresent() || !fragments.isEmpty())) {
                throw new ManifestException(
                        t.posOf(config.isPresent() ? "config" : "fragments"),
                        "kernel '" + name
                                + "' is a prebuilt headers tree; config and fragments apply only to source kernels",
                        "remove config/fragments, or use source = ... so kforge configures the tree");
            }
            if (config.isPresent() && config.get().contains("/")) {
                ManifestRefs.relativePath(t, "config", config.get());
            }
            List<String> frags = new ArrayList<>();
            for (Positioned f : fragments) {
                frags.add(ManifestRefs.relativePath(t, f.pos(), f.value()));
            }
            boolean symvers = t.optBoolean("symvers").orElse(false);
            if (symvers && !source) {
                throw new ManifestException(
                        t.posOf("symvers"),
                        "kernel '" + name + "': symvers applies to source kernels",
                        "headers and Debian trees have their Module.symvers already; remove symvers");
            }
            boolean boot = t.optBoolean("boot").orElse(false);
            if (boot && !source) {
                throw new ManifestException(
                        t.posOf("boot"),
                        "kernel '" + name + "': boot applies to source kernels",
                        "kforge boots Debian's kernels from their image packages without it; a headers tree has no image: "
                                + "use debian = \"latest\" or a source kernel with boot = true to test drivers under QEMU");
            }
            Optional<String> root = t.optString("root");
            if (root.isPresent() && !source) {
                throw new ManifestException(
                        t.posOf("root"),
                        "kernel '" + name + "': root applies to source kernels",
                        "a toolchain root runs the steps kforge prepares and builds a source kernel with; remove root");
            }
            if (root.isPresent() && roots.stream().noneMatch(r -> r.name().equals(root.get()))) {
                throw new ManifestException(
                        t.posOf("root"),
                        "kernel '" + name + "' names unknown toolchain root '" + root.get() + "'",
                        Suggest.hint(
                                root.get(),
                                roots.stream().map(ToolchainRoot::name).toList(),
                                "declare it: [[toolchain_root]] name = \"" + root.get() + "\" debian = \"trixie\""));
            }
            byName.put(
                    name,
                    new KernelSource(
                            name,
                            kind,
                            path,
                            config,
                            frags,
                            t.pos(),
                            symvers,
                            boot,
                            root,
                            SigningTables.kernel(t, name, source),
                            // debian = and deb = name Debian's kernels and headers packages.
                            headers || source
                                    ? Optional.empty()
                                    : Optional.of(distro ? t.string("distribution") : "debian")));
        }
        return List.copyOf(byName.values());
    }
}
