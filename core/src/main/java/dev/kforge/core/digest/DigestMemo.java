package dev.kforge.core.digest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A stat cache for file digests: a file whose size, mtime, inode and ctime are those it had when it
 * was last hashed is not read again (git's index works the same way). The table is one file in the
 * cache, read once when first needed and written back by {@link #flush} when it learnt something, so
 * a no-op run hashes nothing and reads one file. A file changed in the same instant as it was hashed
 * could keep its stat; such "racy" entries are not remembered and are hashed again next time.
 *
 * <p>Safe for concurrent use; several processes may share the directory (the last writer wins,
 * and a lost entry is only a re-hash).
 */
public final class DigestMemo {

    /** Format of the table: one line per file, {@code ino size mtimeNs ctimeNs sha256 path}. */
    static final String TABLE = "stat-cache.v1";

    /** How close to "now" a file's mtime or ctime may be and still be remembered. */
    private static final long RACY_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final long racyNanos;

    private record Stat(long ino, long size, long mtime, long ctime) {}

    private record Entry(Stat stat, String hex) {}

    private final Path dir;
    private Map<String, Entry> table;
    private volatile boolean dirty;
    /** Paths asked for in this run: kept on flush; others are kept only while their file exists. */
    private final Set<String> used = ConcurrentHashMap.newKeySet();

    public DigestMemo(Path dir) {
        this(dir, RACY_NANOS);
    }

    DigestMemo(Path dir, long racyNanos) {
        this.dir = dir;
        this.racyNanos = racyNanos;
    }

    /** The file's SHA-256, from the table when its stat is unchanged. */
    public Digest of(Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        Stat stat = stat(abs);
        Map<String, Entry> t = table();
        used.add(abs.toString());
        Entry known = t.get(abs.toString());
        if (known != null && known.stat().equals(stat)) {
            return new Digest(known.hex());
        }
        Digest d = Digest.ofFile(abs);
        long now = nowNanos();
        if (now - stat.mtime() >= racyNanos
                && now - stat.ctime() >= racyNanos
                && !abs.toString().contains("\n")) {
            t.put(abs.toString(), new Entry(stat, d.hex()));
            dirty = true;
        }
        return d;
    }

    /** Writes the table back when it changed (write-temp-then-rename); a no-op otherwise. */
    public void flush() throws IOException {
        if (!dirty) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Entry> e : new TreeMap<>(table()).entrySet()) {
            if (!used.contains(e.getKey()) && !Files.exists(Path.of(e.getKey()), LinkOption.NOFOLLOW_LINKS)) {
                continue; // a workspace or tree since removed: the table does not grow without bound
            }
            Stat s = e.getValue().stat();
            sb.append(s.ino())
                    .append(' ')
                    .append(s.size())
                    .append(' ')
                    .append(s.mtime())
                    .append(' ')
                    .append(s.ctime())
                    .append(' ')
                    .append(e.getValue().hex())
                    .append(' ')
                    .append(e.getKey())
                    .append('\n');
        }
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, TABLE, ".tmp");
        try {
            Files.writeString(tmp, sb);
            Files.move(tmp, dir.resolve(TABLE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        dirty = false;
    }

    private synchronized Map<String, Entry> table() {
        if (table == null) {
            table = new ConcurrentHashMap<>();
            Path file = dir.resolve(TABLE);
            if (Files.isRegularFile(file)) {
                try {
                    for (String line : Files.readAllLines(file)) {
                        parse(line);
                    }
                } catch (IOException | RuntimeException e) {
                    // A torn or foreign table is only a cold cache.
                }
            }
        }
        return table;
    }

    private void parse(String line) {
        List<String> f = new ArrayList<>(6);
        int from = 0;
        for (int i = 0; i < 5; i++) {
            int sp = line.indexOf(' ', from);
            if (sp < 0) {
                return;
            }
            f.add(line.substring(from, sp));
            from = sp + 1;
        }
        String hex = f.get(4);
        if (hex.length() != 64 || from >= line.length()) {
            return;
        }
        table.put(
                line.substring(from),
                new Entry(
                        new Stat(
                                Long.parseLong(f.get(0)),
                                Long.parseLong(f.get(1)),
                                Long.parseLong(f.get(2)),
                                Long.parseLong(f.get(3))),
                        hex));
    }

    /**
     * The file's inode, size, mtime and ctime (nanoseconds) as one string: what this cache trusts to
     * say a file is unchanged, for others that keep a record of a file or directory as they last saw it.
     */
    public static String stamp(Path file) throws IOException {
        Stat s = stat(file);
        return s.ino() + ":" + s.size() + ":" + s.mtime() + ":" + s.ctime();
    }

    /**
     * Whether a {@link #stamp}'s mtime and ctime are at least two seconds before {@code atNanos}
     * (epoch nanoseconds): a change made in the same clock tick as the stamp could leave it
     * unchanged, so only a settled file may be remembered by its stamp.
     */
    public static boolean settled(String stamp, long atNanos) {
        String[] f = stamp.split(":");
        try {
            return f.length == 4
                    && atNanos - Long.parseLong(f[2]) >= RACY_NANOS
                    && atNanos - Long.parseLong(f[3]) >= RACY_NANOS;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** The file's (or directory's) {@link #stamp}, or empty when it is missing or not {@link #settled} now. */
    public static Optional<String> settledStamp(Path file) {
        try {
            String stamp = stamp(file);
            return settled(stamp, nowNanos()) ? Optional.of(stamp) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The clock stamps are compared with, in epoch nanoseconds. */
    public static long nowNanos() {
        Instant clock = Instant.now();
        return clock.getEpochSecond() * 1_000_000_000L + clock.getNano();
    }

    private static Stat stat(Path file) throws IOException {
        Map<String, Object> a = Files.readAttributes(file, "unix:ino,size,lastModifiedTime,ctime");
        return new Stat(
                (Long) a.get("ino"), (Long) a.get("size"), nanos((FileTime) a.get("lastModifiedTime")), nanos((FileTime)
                        a.get("ctime")));
    }

    private static long nanos(FileTime t) {
        return t.to(TimeUnit.NANOSECONDS);
    }
}
