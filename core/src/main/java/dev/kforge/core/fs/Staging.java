package dev.kforge.core.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;

/**
 * Staging directories that say who owns them. Their names carry the owning process's id
 * ({@code PREFIX PID-RANDOM}), so whatever a killed kforge (SIGKILL, a power cut) left half-written
 * is found and removed by the next run that stages beside it, the next build's sweep of out/, and
 * {@code kforge cache prune}; a live process's staging is never touched, and a process id reused
 * since (a process that started after the directory was last written) does not keep it alive.
 */
public final class Staging {

    /** Names of staging left by {@link #dir}, {@link FileTrees#swapIn} and downloads: the owner's pid is group 1. */
    private static final Pattern OWNED = Pattern.compile("(?:.*\\.(?:tmp|old)-|download-)(\\d+)-[^/]*");

    private Staging() {}

    /** A new staging directory in {@code parent} named {@code prefix} + owner + random; stale ones of that prefix go first. */
    public static Path dir(Path parent, String prefix) throws IOException {
        Files.createDirectories(parent);
        sweep(parent, Optional.of(prefix));
        Path dir = Files.createTempDirectory(parent, owned(prefix));
        Modes.publish(dir); // staged to be renamed into place: the mode a plain mkdir gives
        return dir;
    }

    /** {@code prefix} followed by this process's id, as staging names are. */
    public static String owned(String prefix) {
        return prefix + ProcessHandle.current().pid() + "-";
    }

    /** Removes stale staging directly in {@code dir} (only names starting with {@code prefix}, when given); how many. */
    public static int sweep(Path dir, Optional<String> prefix) {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        int removed = 0;
        List<Path> entries;
        try (Stream<Path> s = Files.list(dir)) {
            entries = s.toList();
        } catch (IOException e) {
            return 0;
        }
        for (Path p : entries) {
            String name = p.getFileName().toString();
            if (prefix.isPresent() && !name.startsWith(prefix.get())) {
                continue;
            }
            Matcher m = OWNED.matcher(name);
            if (!m.matches() || alive(Long.parseLong(m.group(1)), p)) {
                continue;
            }
            try {
                FileTrees.deleteRecursively(p);
                removed++;
                LoggerFactory.getLogger(Staging.class).info("removed {}, left by process {}", p, m.group(1));
            } catch (IOException e) {
                LoggerFactory.getLogger(Staging.class).warn("cannot remove stale {}: {}", p, e.getMessage());
            }
        }
        return removed;
    }

    /** {@link #sweep} in {@code root} and every directory below it down to {@code depth} levels; how many. */
    public static int sweepTree(Path root, int depth) {
        int removed = sweep(root, Optional.empty());
        if (depth <= 0 || !Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            return removed;
        }
        List<Path> dirs;
        try (Stream<Path> s = Files.list(root)) {
            dirs = s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                            && !OWNED.matcher(p.getFileName().toString()).matches())
                    .toList();
        } catch (IOException e) {
            return removed;
        }
        for (Path d : dirs) {
            removed += sweepTree(d, depth - 1);
        }
        return removed;
    }

    /** Whether process {@code pid} is alive and may own {@code path} (it started before the path was last written). */
    static boolean alive(long pid, Path path) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty() || !h.get().isAlive()) {
            return false;
        }
        Optional<Instant> started = h.get().info().startInstant();
        if (started.isEmpty()) {
            return true; // cannot tell: keep it
        }
        try {
            Instant written =
                    Files.getLastModifiedTime(path, LinkOption.NOFOLLOW_LINKS).toInstant();
            return !started.get().isAfter(written.plus(Duration.ofSeconds(2)));
        } catch (IOException e) {
            return true;
        }
    }
}
