package dev.kforge.core.kernel;

import dev.kforge.core.KforgeException;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.KernelSource;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Port: a distribution's prebuilt kernel headers for one architecture, fetched and unpacked once
 * into the user cache (never installed), checked before first use (Debian's: the debian-adapter module).
 * Adapters are registered by name in {@link Distributions}.
 */
public interface DistroKernels {

    /** Why the distribution has no kernel of this kernel's ABI for {@code arch}, if it has none (no port). */
    Optional<String> unsupported(KernelSource kernel, Architecture arch);

    /**
     * The headers tree of {@code kernel} for {@code arch}, fetched and unpacked when not cached.
     *
     * @throws KforgeException ENVIRONMENT with the commands that fix it (a foreign
     *     architecture not enabled, an ABI apt cannot see, no network)
     */
    Tree fetch(KernelSource kernel, Architecture arch);

    /**
     * A headers package the user names ({@code deb = "linux-headers-....deb"}), unpacked once: a
     * headers tree for the one architecture it was built for.
     */
    Tree unpack(KernelSource kernel, Path workspace);

    /**
     * The kernel image package of {@code kernel} for {@code arch} (the same ABI as its headers):
     * its kernel image and own modules, fetched and unpacked when not cached, for booting under QEMU.
     *
     * @throws KforgeException ENVIRONMENT when apt has no such package or the download fails
     */
    BootRoot image(KernelSource kernel, Architecture arch);

    /**
     * Why the distribution has no static busybox for {@code arch} in {@code release} (the host's
     * when empty), if it has none (so its tests are skipped).
     */
    Optional<String> noBusybox(Optional<String> release, Architecture arch);

    /**
     * A static busybox for {@code arch} from {@code release} (the host's when empty; Debian's
     * busybox-static), the whole userland of a test guest, fetched and unpacked when not cached.
     */
    BootRoot busybox(Optional<String> release, Architecture arch);

    /**
     * One architecture's tree.
     *
     * @param facts the tree as a headers kernel (arch, compiler family, release, .config), provenance included
     * @param dir where it is on this machine
     */
    record Tree(KernelFacts facts, Path dir) {
        public Tree {
            Objects.requireNonNull(facts, "facts");
            Objects.requireNonNull(dir, "dir");
        }
    }
}
