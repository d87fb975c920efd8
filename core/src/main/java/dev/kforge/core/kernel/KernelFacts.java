package dev.kforge.core.kernel;

import dev.kforge.core.digest.Digest;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.ToolchainFamily;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What planning needs to know about one kernel, read from the kernel itself by a
 * {@link KernelInspector}.
 *
 * @param name the manifest's kernel name
 * @param kind headers, source or debian
 * @param version the kernel version (6.1.192), from the top-level Makefile
 * @param identity a digest of the kernel's content (tarball bytes; for trees, the files that define them)
 * @param headersArch for HEADERS: the catalog key of the architecture the tree was configured for
 * @param headersFamily for HEADERS: the compiler family the tree was configured with
 * @param release for HEADERS: the release modules get in vermagic (include/generated/utsrelease.h)
 * @param rustArches ARCH values whose arch/$SRCARCH/Kconfig selects HAVE_RUST
 * @param config for HEADERS: the tree's .config (CONFIG_X to value); empty for SOURCE. Kept as given (read-only
 *     view, not copied): callers pass a map nobody changes afterwards
 * @param arches for DISTRO: the headers tree of each architecture the matrix asks for, as HEADERS facts
 * @param missingArches for DISTRO: why an architecture the matrix asks for has no tree (no port)
 * @param provenance where the tree came from, for metadata and provenance (package names, versions, sha256)
 */
public record KernelFacts(
        String name,
        KernelSource.Kind kind,
        String version,
        Digest identity,
        Optional<String> headersArch,
        Optional<ToolchainFamily> headersFamily,
        Optional<String> release,
        SortedSet<String> rustArches,
        Map<String, String> config,
        SortedMap<String, KernelFacts> arches,
        SortedMap<String, String> missingArches,
        SortedMap<String, String> provenance) {

    /** A headers or source kernel: no per-architecture trees, nothing fetched. */
    public KernelFacts(
            String name,
            KernelSource.Kind kind,
            String version,
            Digest identity,
            Optional<String> headersArch,
            Optional<ToolchainFamily> headersFamily,
            Optional<String> release,
            SortedSet<String> rustArches,
            Map<String, String> config) {
        this(
                name,
                kind,
                version,
                identity,
                headersArch,
                headersFamily,
                release,
                rustArches,
                config,
                new TreeMap<>(),
                new TreeMap<>(),
                new TreeMap<>());
    }

    public KernelFacts {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(headersArch, "headersArch");
        Objects.requireNonNull(headersFamily, "headersFamily");
        Objects.requireNonNull(release, "release");
        rustArches = Collections.unmodifiableSortedSet(new TreeSet<>(rustArches));
        config = Collections.unmodifiableMap(
                config); // a view, not a copy: a distribution's .config has 10,000 options, read lazily
        arches = Collections.unmodifiableSortedMap(new TreeMap<>(arches));
        missingArches = Collections.unmodifiableSortedMap(new TreeMap<>(missingArches));
        provenance = Collections.unmodifiableSortedMap(new TreeMap<>(provenance));
        if (kind == KernelSource.Kind.HEADERS && (headersArch.isEmpty() || headersFamily.isEmpty())) {
            throw new IllegalArgumentException(name + ": a headers tree must know its arch and compiler family");
        }
    }
}
