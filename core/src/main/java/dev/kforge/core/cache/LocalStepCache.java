package dev.kforge.core.cache;

import dev.kforge.core.digest.Digest;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.json.CanonicalJson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The step cache on local disk: {@code ac/<key>} action entries (JSON) and
 * {@code cas/<xx>/<sha256>} blobs. Every file is published by write-temp-then-rename, so
 * concurrent processes never see a torn file; two writers of the same blob write the same bytes.
 */
public final class LocalStepCache implements StepCache {

    private final Path ac;
    private final Path cas;

    public LocalStepCache(Path root) {
        this.ac = root.resolve("ac");
        this.cas = root.resolve("cas");
    }

    @Override
    public Optional<ActionEntry> lookup(Digest key) throws IOException {
        Path entry = ac.resolve(key.hex());
        String text;
        try {
            text = Files.readString(entry);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            Map<?, ?> m = (Map<?, ?>) CanonicalJson.read(text);
            SortedMap<String, Digest> outputs = new TreeMap<>();
            ((Map<?, ?>) m.get("outputs")).forEach((k, v) -> outputs.put((String) k, new Digest((String) v)));
            String result = (String) m.get("result");
            if (!key.hex().equals(m.get("key")) || result == null) {
                throw new IllegalArgumentException("entry does not match its key");
            }
            for (Digest d : outputs.values()) {
                if (!Files.isRegularFile(blob(d))) {
                    return Optional.empty();
                }
            }
            touch(entry);
            return Optional.of(new ActionEntry(key, outputs, result));
        } catch (RuntimeException e) {
            // A torn or altered entry is a miss; remove it so the next store repairs it.
            Files.deleteIfExists(entry);
            return Optional.empty();
        }
    }

    @Override
    public void store(Digest key, SortedMap<String, Path> outputs, String result) throws IOException {
        SortedMap<String, String> digests = new TreeMap<>();
        for (Map.Entry<String, Path> e : outputs.entrySet()) {
            Digest d = Digest.ofFile(e.getValue());
            Path b = blob(d);
            if (!Files.isRegularFile(b)) {
                Files.createDirectories(b.getParent());
                Path tmp = Files.createTempFile(b.getParent(), d.prefix(8), ".tmp");
                try {
                    Files.copy(e.getValue(), tmp, StandardCopyOption.REPLACE_EXISTING);
                    Files.move(tmp, b, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
            digests.put(e.getKey(), d.hex());
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", key.hex());
        m.put("outputs", digests);
        m.put("result", result);
        Files.createDirectories(ac);
        Path tmp = Files.createTempFile(ac, key.prefix(8), ".tmp");
        try {
            Files.writeString(tmp, CanonicalJson.write(m));
            Files.move(tmp, ac.resolve(key.hex()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public boolean fetch(Digest digest, Path target) throws IOException {
        Path b = blob(digest);
        if (!Files.isRegularFile(b)) {
            return false;
        }
        boolean ok;
        try (InputStream in = Files.newInputStream(b)) {
            ok = FileTrees.copyVerified(in, target, digest);
        }
        if (!ok) {
            Files.deleteIfExists(b); // corrupt: remove it, so the next store repairs it
        }
        return ok;
    }

    /** Adds a verified file as blob {@code d} (a download from a remote cache). */
    void putBlob(Digest d, Path file) throws IOException {
        Path b = blob(d);
        if (Files.isRegularFile(b)) {
            return;
        }
        Files.createDirectories(b.getParent());
        Path tmp = Files.createTempFile(b.getParent(), d.prefix(8), ".tmp");
        try {
            Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, b, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    Path blob(Digest d) {
        return cas.resolve(d.hex().substring(0, 2)).resolve(d.hex());
    }

    /** Entry, blob and byte counts. */
    public record Stats(long entries, long blobs, long bytes) {}

    public Stats stats() throws IOException {
        long entries = list(ac).size();
        long blobs = 0;
        long bytes = 0;
        for (Path p : allBlobs()) {
            blobs++;
            bytes += Files.size(p);
        }
        for (Path p : list(ac)) {
            bytes += Files.size(p);
        }
        return new Stats(entries, blobs, bytes);
    }

    /**
     * Deletes the least recently used entries until the cache is at most {@code maxBytes}, then
     * every blob no remaining entry names.
     *
     * @return the number of entries removed
     */
    public int prune(long maxBytes) throws IOException {
        // One pass over the store: every entry read once (without touching it, which would change
        // the order), blob sizes and reference counts kept in memory; removal is then arithmetic.
        Map<String, Long> blobSizes = new HashMap<>();
        Map<String, Path> blobPaths = new HashMap<>();
        long total = 0;
        for (Path b : allBlobs()) {
            long size = Files.size(b);
            blobSizes.put(b.getFileName().toString(), size);
            blobPaths.put(b.getFileName().toString(), b);
            total += size;
        }
        record Entry(Path file, long size, FileTime mtime, List<String> blobs) {}
        List<Entry> entries = new ArrayList<>();
        Map<String, Integer> refs = new HashMap<>();
        for (Path e : list(ac)) {
            List<String> blobs = outputsOf(e);
            var attrs = Files.readAttributes(e, BasicFileAttributes.class);
            entries.add(new Entry(e, attrs.size(), attrs.lastModifiedTime(), blobs));
            total += attrs.size();
            for (String d : new TreeSet<>(blobs)) {
                refs.merge(d, 1, Integer::sum);
            }
        }
        // Blobs no entry names are garbage whatever the limit.
        for (Map.Entry<String, Path> b : blobPaths.entrySet()) {
            if (!refs.containsKey(b.getKey())) {
                Files.deleteIfExists(b.getValue());
                total -= blobSizes.get(b.getKey());
            }
        }
        entries.sort(Comparator.comparing(Entry::mtime).thenComparing(Entry::file));
        int removed = 0;
        for (Entry e : entries) {
            if (total <= maxBytes) {
                break;
            }
            Files.deleteIfExists(e.file());
            total -= e.size();
            removed++;
            for (String d : new TreeSet<>(e.blobs())) {
                if (refs.merge(d, -1, Integer::sum) == 0 && blobPaths.containsKey(d)) {
                    Files.deleteIfExists(blobPaths.get(d));
                    total -= blobSizes.get(d);
                }
            }
        }
        return removed;
    }

    /** The blob digests an entry names; a torn entry names none (and goes first, being garbage). */
    private static List<String> outputsOf(Path entry) {
        try {
            Map<?, ?> m = (Map<?, ?>) CanonicalJson.read(Files.readString(entry));
            return ((Map<?, ?>) m.get("outputs"))
                    .values().stream().map(String::valueOf).toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    public void clear() throws IOException {
        for (Path p : list(ac)) {
            Files.deleteIfExists(p);
        }
        for (Path p : allBlobs()) {
            Files.deleteIfExists(p);
        }
    }

    private List<Path> allBlobs() throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path d : list(cas)) {
            out.addAll(list(d));
        }
        return out;
    }

    private static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().endsWith(".tmp"))
                    .sorted()
                    .toList();
        }
    }

    private static void touch(Path p) {
        try {
            Files.setLastModifiedTime(p, FileTime.fromMillis(System.currentTimeMillis()));
        } catch (IOException e) {
            // Recency is advisory (pruning order); a read-only cache still serves hits.
        }
    }
}
