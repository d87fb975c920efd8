package dev.kforge.core.cache;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where kforge keeps what it can rebuild: extracted kernel sources, prepared trees, locks.
 * Order: --cache-dir, then KFORGE_CACHE_DIR, then $XDG_CACHE_HOME/kforge, then ~/.cache/kforge.
 */
public record CacheDirs(Path root) {

    public CacheDirs {
        root = root.toAbsolutePath().normalize();
    }

    public static CacheDirs resolve(Optional<Path> flag, Map<String, String> env) {
        if (flag.isPresent()) {
            return new CacheDirs(flag.get());
        }
        String k = env.get("KFORGE_CACHE_DIR");
        if (k != null && !k.isBlank()) {
            return new CacheDirs(Path.of(k));
        }
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return new CacheDirs(Path.of(xdg, "kforge"));
        }
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        return new CacheDirs(Path.of(home, ".cache", "kforge"));
    }

    /** Extracted kernel source tarballs, one directory per tarball digest. */
    public Path sources() {
        return root.resolve("sources");
    }

    /** Prepared O= trees, one directory per tree key. */
    public Path trees() {
        return root.resolve("trees");
    }

    /** The step cache: action entries and content-addressed blobs. */
    public Path steps() {
        return root.resolve("steps");
    }

    /** Lock files. */
    public Path locks() {
        return root.resolve("locks");
    }

    /** Remembered digests of large files, keyed by path, size and mtime. */
    public Path digests() {
        return root.resolve("digests");
    }
}
