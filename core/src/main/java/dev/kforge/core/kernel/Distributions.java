package dev.kforge.core.kernel;

import dev.kforge.core.KforgeException;
import dev.kforge.core.model.KernelSource;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The distributions kforge knows, by name, as driverkit keeps its builders: each adapter registers
 * its {@link DistroKernels} under the name a manifest's distribution kernels carry
 * ({@link KernelSource#distribution()}). Core asks the registry, never a distribution by name.
 */
public final class Distributions {

    private final SortedMap<String, DistroKernels> byName;
    private final String host;

    private Distributions(SortedMap<String, DistroKernels> byName, String host) {
        this.byName = Collections.unmodifiableSortedMap(byName);
        this.host = host;
        if (!byName.containsKey(host)) {
            throw new IllegalArgumentException("the host's distribution " + host + " is not registered");
        }
    }

    /**
     * The registry of {@code byName}.
     *
     * @param host the distribution of the machine kforge runs on: it supplies what every test guest
     *     needs whatever its kernel (a static busybox)
     */
    public static Distributions of(Map<String, DistroKernels> byName, String host) {
        return new Distributions(new TreeMap<>(byName), host);
    }

    /** The host's distribution. */
    public DistroKernels host() {
        return byName.get(host);
    }

    /** The adapter of a distribution kernel's distribution. */
    public DistroKernels of(KernelSource kernel) {
        String name = kernel.distribution()
                .orElseThrow(
                        () -> new IllegalArgumentException("kernel " + kernel.name() + " is no distribution kernel"));
        return find(name)
                .orElseThrow(() -> KforgeException.environment(
                        "kernel '" + kernel.name() + "': this kforge has no adapter for distribution '" + name + "'",
                        "known: " + String.join(", ", byName.keySet())));
    }

    public Optional<DistroKernels> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The registered names, sorted. */
    public Iterable<String> names() {
        return byName.keySet();
    }
}
