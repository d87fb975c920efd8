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
                    "suites",
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
            byName.put(name, kernel(t, name, roots));
        }
        return List.copyOf(byName.values());
    }

    /** Where a kernel comes from: its kind, the key that says so, its path or ABI, its distribution. */
    private record Origin(KernelSource.Kind kind, String key, String path, Optional<String> distribution) {}

    private static Origin origin(TableReader t, String name) {
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
                    "kernel '" + name + "' needs exactly one of 'headers', 'source', 'debian', 'deb' or 'distribution'",
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
        if (debian
                && !path.equals(KernelSource.LATEST)
                && !path.equals(KernelSource.ALL)
                && !path.matches("\\d+\\.\\d+(\\.\\d+)?([-+][a-z0-9.+-]*)?")) {
            throw new ManifestException(
                    t.posOf(key),
                    "'" + path + "' is not a Debian kernel ABI",
                    "write the ABI as in linux-headers-ABI-FLAVOUR (debian = \"6.1.0-56\", \"7.3.4+deb13\"), "
                            + "or \"latest\" (each suite's newest), or \"all\" (every ABI each suite serves)");
        }
        // debian = and deb = name Debian's kernels and headers packages.
        Optional<String> distribution =
                headers || source ? Optional.empty() : Optional.of(distro ? t.string("distribution") : "debian");
        return new Origin(kind, key, path, distribution);
    }

    private KernelSource kernel(TableReader t, String name, List<ToolchainRoot> roots) {
        Origin origin = origin(t, name);
        boolean source = origin.kind() == KernelSource.Kind.SOURCE;
        Optional<String> config = t.optString("config");
        List<Positioned> fragments = t.strings("fragments");
        // A Debian kernel's fragments are laid over its .config in the Rust tree kforge prepares for it.
        boolean debianKernel = origin.kind() == KernelSource.Kind.DISTRO;
        if (!source && (config.isPresent() || (!fragments.isEmpty() && !debianKernel))) {
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
        boolean symvers = sourceOnly(
                t,
                name,
                "symvers",
                source,
                "headers and Debian trees have their Module.symvers already; remove symvers");
        boolean boot = sourceOnly(
                t,
                name,
                "boot",
                source,
                "kforge boots Debian's kernels from their image packages without it; a headers tree has no image: "
                        + "use debian = \"latest\" or a source kernel with boot = true to test drivers under QEMU");
        return new KernelSource(
                name,
                origin.kind(),
                origin.path(),
                config,
                frags,
                t.pos(),
                symvers,
                boot,
                root(t, name, source || debianKernel, roots),
                SigningTables.kernel(t, name, source),
                origin.distribution(),
                suites(t, name, origin));
    }

    /** {@code suites = [...]}: the distribution releases a Debian kernel is taken from (default: the host's). */
    private static List<String> suites(TableReader t, String name, Origin origin) {
        List<String> suites = new ArrayList<>();
        for (Positioned s : t.strings("suites")) {
            if (origin.kind() != KernelSource.Kind.DISTRO) {
                throw new ManifestException(
                        s.pos(),
                        "kernel '" + name + "': suites go with debian = \"...\"",
                        "suites = [\"bullseye\", \"trixie-backports\"] with debian = \"latest\" builds each suite's newest");
            }
            if (!s.value().matches("[a-z][a-z0-9]*(-[a-z0-9]+)*")) {
                throw new ManifestException(
                        s.pos(),
                        "'" + s.value() + "' is not a suite name",
                        "a suite as Debian names it: bullseye, bookworm-backports, trixie, sid, experimental");
            }
            if (suites.contains(s.value())) {
                throw new ManifestException(s.pos(), "suite '" + s.value() + "' is named twice", "name it once");
            }
            suites.add(s.value());
        }
        if (t.has("suites") && suites.isEmpty()) {
            throw new ManifestException(
                    t.posOf("suites"), "kernel '" + name + "': suites is empty", "name a suite, or leave suites out");
        }
        return suites;
    }

    /** A flag that only source kernels take. */
    private static boolean sourceOnly(TableReader t, String name, String key, boolean source, String hint) {
        boolean value = t.optBoolean(key).orElse(false);
        if (value && !source) {
            throw new ManifestException(
                    t.posOf(key), "kernel '" + name + "': " + key + " applies to source kernels", hint);
        }
        return value;
    }

    /** The toolchain root a source kernel's steps run in, one the manifest declares. */
    private static Optional<String> root(TableReader t, String name, boolean source, List<ToolchainRoot> roots) {
        Optional<String> root = t.optString("root");
        if (root.isPresent() && !source) {
            throw new ManifestException(
                    t.posOf("root"),
                    "kernel '" + name + "': root applies to source and Debian kernels",
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
        return root;
    }
}
