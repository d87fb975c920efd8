package dev.kforge.core.fs;

import dev.kforge.core.digest.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The one way kforge publishes, verifies and removes files: so readers never see half of anything. */
public final class FileTrees {

    private FileTrees() {}

    /** Deletes a file or directory tree; symbolic links are removed, never followed. */
    public static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * Replaces directory {@code target} with the fully written directory {@code staged} (a sibling)
     * by renames: a reader sees the old or the new directory, never a mix.
     */
    public static void swapIn(Path staged, Path target) throws IOException {
        Path old = null;
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            old = target.resolveSibling(Staging.owned("." + target.getFileName() + ".old-") + System.nanoTime());
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
        if (old != null) {
            deleteRecursively(old);
        }
    }

    /** A fresh directory next to {@code target}, to stage its new content in. */
    public static Path stagingFor(Path target) throws IOException {
        return Staging.dir(target.toAbsolutePath().getParent(), "." + target.getFileName() + ".tmp-");
    }

    /**
     * Renames {@code file} (beside {@code target}) onto {@code target} only if its bytes hash to
     * {@code expected}, with the modes a plain create gives; otherwise leaves both and returns false.
     */
    public static boolean moveVerified(Path file, Path target, Digest expected) throws IOException {
        if (!Digest.ofFile(file).equals(expected)) {
            return false;
        }
        Modes.publish(file);
        Files.move(file, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return true;
    }

    /**
     * Copies {@code in} to {@code target} (replacing it) only if the bytes hash to {@code expected};
     * otherwise leaves {@code target} untouched and returns false.
     */
    public static boolean copyVerified(InputStream in, Path target, Digest expected) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, ".verify", ".tmp");
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (InputStream din = new DigestInputStream(in, md);
                    OutputStream out = Files.newOutputStream(tmp)) {
                din.transferTo(out);
            }
            if (!HexFormat.of().formatHex(md.digest()).equals(expected.hex())) {
                return false;
            }
            Modes.publish(tmp);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return true;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
