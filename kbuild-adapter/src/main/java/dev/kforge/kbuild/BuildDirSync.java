package dev.kforge.kbuild;

import dev.kforge.core.digest.Digest;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.json.CanonicalJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Brings a cell's build directory up to date with the driver's sources by content, so Kbuild's own
 * dependency tracking (its .cmd files) recompiles only what changed: files whose content differs
 * from what was copied last time are copied again (with a fresh mtime, so make sees them newer than
 * their objects), files gone from the sources are removed, and everything else (Kbuild's objects,
 * .cmd files, modules.order) is left alone. Source mtimes are never trusted: a checkout that
 * touches every file recompiles nothing.
 *
 * <p>A build directory is reused only when its {@link #STAMP} names the same configuration (make
 * command line, environment, kernel tree and tools): otherwise it starts clean, exactly as the
 * step's own {@code rm -rf; mkdir -p; cp -a} would. The stamp is removed before the directory is
 * touched and written after, so an interrupted sync is a clean start next time.
 */
final class BuildDirSync {

    static final String STAMP = ".kforge-build.json";

    /** What one sync did, for the build log. */
    record Outcome(boolean clean, int copied, int removed, int unchanged) {
        String describe() {
            return clean
                    ? "fresh build directory (" + copied + " source files)"
                    : "build directory reused: " + copied + " changed, " + removed + " removed, " + unchanged
                            + " unchanged source files";
        }
    }

    private BuildDirSync() {}

    /**
     * @param source the driver's directory
     * @param buildDir the cell's build directory
     * @param configuration digest of everything besides the sources that shapes the build
     */
    static Outcome sync(Path source, Path buildDir, Digest configuration) throws IOException {
        SortedMap<String, String> now = digests(source);
        Path stamp = buildDir.resolve(STAMP);
        SortedMap<String, String> before = readStamp(stamp, configuration);
        Files.deleteIfExists(stamp);
        Outcome outcome;
        if (before == null) {
            if (Files.exists(buildDir, LinkOption.NOFOLLOW_LINKS)) {
                FileTrees.deleteRecursively(buildDir);
            }
            Files.createDirectories(buildDir);
            for (String rel : now.keySet()) {
                copy(source.resolve(rel), buildDir.resolve(rel));
            }
            outcome = new Outcome(true, now.size(), 0, 0);
        } else {
            int copied = 0;
            int removed = 0;
            for (String rel : before.keySet()) {
                if (!now.containsKey(rel)) {
                    Files.deleteIfExists(buildDir.resolve(rel));
                    removed++;
                }
            }
            for (Map.Entry<String, String> e : now.entrySet()) {
                Path target = buildDir.resolve(e.getKey());
                // The build directory's own copy is checked too: a file edited or deleted there is copied again.
                if (!e.getValue().equals(before.get(e.getKey()))
                        || !Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)
                        || Files.size(target) != Files.size(source.resolve(e.getKey()))) {
                    copy(source.resolve(e.getKey()), target);
                    copied++;
                }
            }
            outcome = new Outcome(false, copied, removed, now.size() - copied);
        }
        Map<String, Object> json = new TreeMap<>();
        json.put("configuration", configuration.hex());
        json.put("files", now);
        Path tmp = Files.createTempFile(buildDir, STAMP, ".tmp");
        Files.writeString(tmp, CanonicalJson.write(json));
        Files.move(tmp, stamp, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return outcome;
    }

    /** The files of the last sync, or null when there is none for this configuration. */
    private static SortedMap<String, String> readStamp(Path stamp, Digest configuration) {
        try {
            if (!Files.isRegularFile(stamp)) {
                return null;
            }
            Object o = CanonicalJson.read(Files.readString(stamp));
            if (o instanceof Map<?, ?> m
                    && configuration.hex().equals(m.get("configuration"))
                    && m.get("files") instanceof Map<?, ?> f) {
                SortedMap<String, String> files = new TreeMap<>();
                f.forEach((k, v) -> files.put(String.valueOf(k), String.valueOf(v)));
                return files;
            }
        } catch (IOException | RuntimeException e) {
            // A torn or foreign stamp: start clean.
        }
        return null;
    }

    /** Relative path of every regular file below {@code dir} (symlinks as "link:" + target) to its digest. */
    private static SortedMap<String, String> digests(Path dir) throws IOException {
        SortedMap<String, String> out = new TreeMap<>();
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).forEach(files::add);
        }
        for (Path p : files) {
            String rel = dir.relativize(p).toString();
            if (Files.isSymbolicLink(p)) {
                out.put(rel, "link:" + Files.readSymbolicLink(p));
            } else if (Files.isRegularFile(p)) {
                out.put(rel, Digest.ofFile(p).hex() + (Files.isExecutable(p) ? "+x" : ""));
            }
        }
        return out;
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Files.deleteIfExists(to);
        if (Files.isSymbolicLink(from)) {
            Files.createSymbolicLink(to, Files.readSymbolicLink(from));
            return;
        }
        // No COPY_ATTRIBUTES: the copy's mtime is now, newer than any object built from the old content.
        Files.copy(from, to);
        if (Files.isExecutable(from)) {
            to.toFile().setExecutable(true, false);
        }
    }
}
