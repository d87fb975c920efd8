package dev.kforge.core.kernel;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Rust trees for distribution kernels: a distribution kernel built with Rust gets, for its Rust
 * drivers, a tree kforge prepares from the distribution's own source of that kernel with the
 * kernel's .config, in its suite's toolchain root, with the distribution's Module.symvers,
 * release and BTF laid over it (no headers package ships the Rust crates).
 *
 * @param sources per distribution kernel: the facts of its source (a source kernel: version, identity, HAVE_RUST arches)
 * @param packages per distribution kernel: the source package it came from ({@code linux-source-7.3 7.3.4-1~bpo13+1})
 * @param refused per distribution kernel: why its Rust drivers cannot be built (no source of that
 *     version, no rustc whose version text equals the kernel's), naming both values and the fix
 */
public record DistroRust(
        SortedMap<String, KernelFacts> sources, SortedMap<String, String> packages, SortedMap<String, String> refused) {

    public static final DistroRust NONE = new DistroRust(new TreeMap<>(), new TreeMap<>(), new TreeMap<>());

    public DistroRust {
        sources = Collections.unmodifiableSortedMap(new TreeMap<>(sources));
        packages = Collections.unmodifiableSortedMap(new TreeMap<>(packages));
        refused = Collections.unmodifiableSortedMap(new TreeMap<>(refused));
    }
}
