package dev.kforge.core.digest;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What planning read from the machine: every file and directory (a directory stands for its
 * listing) with its stamp as first seen, so a remembered plan can be trusted while every stamp is
 * unchanged (see {@code PlanCache}). The adapters call {@link #see} before they read a path, so a
 * change made after the stamp was taken shows as a different stamp next time; a path that did not
 * exist is recorded as absent (its creation changes it too).
 *
 * <p>Records only between {@link #start} and {@link #stop}; one log per process, shared by the
 * adapters that planning calls. Safe for concurrent use (planning probes tools in parallel).
 */
public final class InputLog {

    /** The stamp of a path that does not exist. */
    public static final String ABSENT = "absent";

    private final Map<String, String> seen = new ConcurrentHashMap<>();
    private volatile boolean recording;
    private volatile Optional<Instant> validUntil = Optional.empty();

    /** Starts recording, forgetting what an earlier recording saw. */
    public void start() {
        seen.clear();
        validUntil = Optional.empty();
        recording = true;
    }

    /**
     * What was read holds only until {@code when} (package lists that are fetched again then): a
     * plan made from it is not reused after that. The earliest such time counts.
     */
    public synchronized void validUntil(Instant when) {
        if (recording && (validUntil.isEmpty() || when.isBefore(validUntil.get()))) {
            validUntil = Optional.of(when);
        }
    }

    /** The time {@link #validUntil} last set during the recording, if any. */
    public Optional<Instant> validUntil() {
        return validUntil;
    }

    /** Stops recording; every path seen since {@link #start}, with its stamp as first seen. */
    public SortedMap<String, String> stop() {
        recording = false;
        return new TreeMap<>(seen);
    }

    /** Records {@code path}'s stamp, when recording and not already seen; call it before reading the path. */
    public void see(Path path) {
        if (!recording) {
            return;
        }
        String key = path.toAbsolutePath().normalize().toString();
        if (!seen.containsKey(key)) {
            seen.putIfAbsent(key, stamp(Path.of(key)));
        }
    }

    /** Records each path (see {@link #see}). */
    public void seeAll(Iterable<Path> paths) {
        for (Path p : paths) {
            see(p);
        }
    }

    /** The stamp {@link #see} records: inode, size, mtime and ctime (following links), or {@link #ABSENT}. */
    public static String stamp(Path path) {
        try {
            return DigestMemo.stamp(path);
        } catch (IOException e) {
            return ABSENT;
        }
    }
}
