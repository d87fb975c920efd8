package dev.kforge.core.fs;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * The modes a file or directory gets when a program creates it plainly: 0666 and 0777 less the
 * umask. Temporary files and directories start at 0600 and 0700 (private while half-written); what
 * kforge publishes from them gets these, so a CI uploader running as another user can read out/.
 */
public final class Modes {

    private static volatile Set<PosixFilePermission> file;
    private static volatile Set<PosixFilePermission> dir;

    private Modes() {}

    /** Gives {@code path} the mode a plain create would have (a file keeps its execute bits, masked). */
    public static void publish(Path path) throws IOException {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        probe();
        if (Files.isDirectory(path)) {
            Files.setPosixFilePermissions(path, dir);
            return;
        }
        Set<PosixFilePermission> mode = EnumSet.copyOf(file);
        Set<PosixFilePermission> now = Files.getPosixFilePermissions(path);
        if (now.contains(PosixFilePermission.OWNER_EXECUTE)) {
            for (PosixFilePermission x : Set.of(
                    PosixFilePermission.OWNER_EXECUTE,
                    PosixFilePermission.GROUP_EXECUTE,
                    PosixFilePermission.OTHERS_EXECUTE)) {
                if (dir.contains(x)) {
                    mode.add(x);
                }
            }
        }
        Files.setPosixFilePermissions(path, mode);
    }

    /** Learns the umask's effect once, from a file and a directory created plainly in a private directory. */
    private static void probe() throws IOException {
        if (file != null) {
            return;
        }
        synchronized (Modes.class) {
            if (file != null) {
                return;
            }
            Path tmp = Files.createTempDirectory("kforge-umask");
            try {
                dir = Files.getPosixFilePermissions(Files.createDirectory(tmp.resolve("d")));
                file = Files.getPosixFilePermissions(Files.createFile(tmp.resolve("f")));
            } finally {
                FileTrees.deleteRecursively(tmp);
            }
        }
    }
}
