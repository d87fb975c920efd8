package dev.kforge.core.plan;

import java.util.Objects;
import java.util.Optional;

/**
 * A named directory a plan's steps refer to as {@code ${kernel:KEY}} besides the workspace's own
 * roots: a manifest kernel, one port's tree of a distribution kernel, its kernel image package, a
 * toolchain root, or a test guest's userland. Every such key is made and read through this type,
 * so its spelling (which plans, keys and caches hold) lives in one place.
 *
 * @param kind what the directory is
 * @param name the kernel or toolchain root's name; for a guest, the distribution release its userland
 *     comes from (empty for the host's)
 * @param arch the architecture (empty for a kernel or a toolchain root)
 */
public record PlanRoot(Kind kind, String name, String arch) {

    /** What a plan root is. */
    public enum Kind {
        /** A manifest kernel: {@code NAME}. */
        KERNEL,
        /** One architecture's tree of a distribution kernel: {@code NAME+ARCH}. */
        DISTRO_TREE,
        /** The distribution's source of a distribution kernel (for its Rust trees): {@code NAME.source}. */
        DISTRO_SOURCE,
        /** A distribution kernel's image package for one architecture: {@code NAME+ARCH.image}. */
        DISTRO_IMAGE,
        /** A toolchain root: {@code root+NAME}. */
        TOOLCHAIN_ROOT,
        /**
         * A test guest's userland (a static busybox) for one architecture: {@code guest+ARCH}, or
         * {@code guest+RELEASE+ARCH} when it comes from a release other than the host's.
         */
        GUEST
    }

    private static final String ROOT = "root+";
    private static final String GUEST_PREFIX = "guest+";
    private static final String IMAGE = ".image";
    private static final String SOURCE = ".source";

    public PlanRoot {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(arch, "arch");
    }

    public static PlanRoot kernel(String name) {
        return new PlanRoot(Kind.KERNEL, name, "");
    }

    public static PlanRoot distroTree(String kernel, String arch) {
        return new PlanRoot(Kind.DISTRO_TREE, kernel, arch);
    }

    public static PlanRoot distroSource(String kernel) {
        return new PlanRoot(Kind.DISTRO_SOURCE, kernel, "");
    }

    public static PlanRoot distroImage(String kernel, String arch) {
        return new PlanRoot(Kind.DISTRO_IMAGE, kernel, arch);
    }

    public static PlanRoot toolchainRoot(String name) {
        return new PlanRoot(Kind.TOOLCHAIN_ROOT, name, "");
    }

    public static PlanRoot guest(String arch) {
        return new PlanRoot(Kind.GUEST, "", arch);
    }

    /** The guest userland of {@code release} (the host's when empty) for {@code arch}. */
    public static PlanRoot guest(Optional<String> release, String arch) {
        return new PlanRoot(Kind.GUEST, release.orElse(""), arch);
    }

    /** The key as plans write it inside {@code ${kernel:...}}. */
    public String key() {
        return switch (kind) {
            case KERNEL -> name;
            case DISTRO_TREE -> name + "+" + arch;
            case DISTRO_SOURCE -> name + SOURCE;
            case DISTRO_IMAGE -> name + "+" + arch + IMAGE;
            case TOOLCHAIN_ROOT -> ROOT + name;
            case GUEST -> GUEST_PREFIX + (name.isEmpty() ? "" : name + "+") + arch;
        };
    }

    /** The reference a step's argv or inputs use: {@code ${kernel:KEY}}. */
    public String ref() {
        return "${kernel:" + key() + "}";
    }

    /** Whether a key names a toolchain root (whose directory is bound inside it, not beside it). */
    public static boolean isToolchainRoot(String key) {
        return key.startsWith(ROOT);
    }
}
