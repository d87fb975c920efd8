package dev.kforge.core.kernel;

import dev.kforge.core.KforgeException;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.model.ToolchainRoot;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;

/**
 * Port: toolchain roots, build environments kforge makes once in the user cache and runs a
 * kernel's steps in (implemented for Debian suites by the Kbuild adapter: debootstrap, then
 * apt-get install inside).
 */
public interface ToolchainRoots {

    /**
     * The root, made when missing or damaged, with {@code packages} installed (added to an
     * existing root when some are missing).
     *
     * @throws KforgeException ENVIRONMENT with what to install or enable (no
     *     debootstrap or bubblewrap, no user namespaces, a suite the mirror does not serve, an apt failure)
     */
    Facts ensure(ToolchainRoot root, SortedSet<String> packages);

    /** The root as it is, without making or changing it (doctor): empty when it was never made or is damaged. */
    Optional<Facts> inspect(ToolchainRoot root);

    /**
     * A root ready for use.
     *
     * @param name the manifest's name
     * @param dir where it is on this machine
     * @param identity the suite and every installed package's version: part of every step key that uses it
     * @param packages the packages kforge asked for, each with its installed version
     */
    record Facts(String name, Path dir, Digest identity, String suite, SortedMap<String, String> packages) {
        public Facts {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(dir, "dir");
            Objects.requireNonNull(identity, "identity");
            Objects.requireNonNull(suite, "suite");
            packages = Collections.unmodifiableSortedMap(new TreeMap<>(packages));
        }
    }
}
