package dev.kforge.core.digest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Digests of large files (kernel tarballs), remembered by path, size and modification time so a
 * 150 MB tarball is read once, not on every plan.
 */
public final class DigestMemo {

    private final Path dir;

    public DigestMemo(Path dir) {
        this.dir = dir;
    }

    public Digest of(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        String key = Digest.of(file.toAbsolutePath() + "\0" + a.size() + "\0" + a.lastModifiedTime().toMillis()).hex();
        Path memo = dir.resolve(key);
        if (Files.isRegularFile(memo)) {
            String s = Files.readString(memo).strip();
            try {
                return new Digest(s);
            } catch (IllegalArgumentException e) {
                // A torn memo is just a miss.
            }
        }
        Digest d = Digest.ofFile(file);
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, key, ".tmp");
        Files.writeString(tmp, d.hex());
        Files.move(tmp, memo, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return d;
    }
}
