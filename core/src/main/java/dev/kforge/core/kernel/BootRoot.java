package dev.kforge.core.kernel;

import dev.kforge.core.digest.Digest;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Files a test boots, unpacked once into the user cache: a distribution kernel's image package
 * (its kernel image and its own modules) or the guest's userland (a static busybox).
 *
 * @param kind {@code image} or {@code guest}
 * @param dir where it is on this machine
 * @param file the one file that matters, relative to {@code dir} ({@code boot/vmlinuz-6.1.0-56-amd64}, {@code bin/busybox})
 * @param modules for an image: the directory relative to {@code dir} that holds {@code <release>/kernel/...}
 *     ({@code lib/modules}); empty for a guest
 * @param identity what it is: the package's digest
 * @param facts what the plan records about it (release, package name, version, sha256)
 */
public record BootRoot(
        String kind, Path dir, String file, String modules, Digest identity, SortedMap<String, String> facts) {

    public BootRoot {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(modules, "modules");
        Objects.requireNonNull(identity, "identity");
        facts = Collections.unmodifiableSortedMap(new TreeMap<>(facts));
    }
}
