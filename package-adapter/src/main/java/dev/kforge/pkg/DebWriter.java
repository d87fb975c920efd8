package dev.kforge.pkg;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.commons.compress.archivers.ar.ArArchiveEntry;
import org.apache.commons.compress.archivers.ar.ArArchiveOutputStream;

/**
 * Writes a {@link DebPackage} as a .deb (deb(5): an ar archive of debian-binary, control.tar.gz and
 * data.tar.gz) that is byte-identical for the same package: members in a fixed order, every entry
 * owned by root with the package's mtime, directories listed explicitly, gzip headers without a
 * name or time. Written to a temporary file beside the target, then renamed.
 */
public final class DebWriter {

    private DebWriter() {}

    public static void write(DebPackage p, Path deb) throws IOException {
        byte[] control = tarGz(controlMembers(p), p.mtime());
        byte[] data = tarGz(dataMembers(p), p.mtime());
        Path tmp = Files.createTempFile(deb.toAbsolutePath().getParent(), deb.getFileName() + ".", ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp);
                    ArArchiveOutputStream ar = new ArArchiveOutputStream(out)) {
                member(ar, "debian-binary", "2.0\n".getBytes(StandardCharsets.US_ASCII), p.mtime());
                member(ar, "control.tar.gz", control, p.mtime());
                member(ar, "data.tar.gz", data, p.mtime());
                ar.finish();
            }
            Files.move(tmp, deb, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The control file deb-control(5) reads, with Installed-Size in KiB. */
    static String control(DebPackage p) {
        long bytes =
                p.files().values().stream().mapToLong(DebPackage.File::size).sum();
        StringBuilder c = new StringBuilder()
                .append("Package: ")
                .append(p.name())
                .append('\n')
                .append("Version: ")
                .append(p.version())
                .append('\n')
                .append("Architecture: ")
                .append(p.architecture())
                .append('\n')
                .append("Maintainer: ")
                .append(p.maintainer())
                .append('\n')
                .append("Installed-Size: ")
                .append((bytes + 1023) / 1024)
                .append('\n');
        if (!p.depends().isEmpty()) {
            c.append("Depends: ").append(String.join(", ", p.depends())).append('\n');
        }
        c.append("Section: kernel\nPriority: optional\n");
        c.append("Description: ").append(p.description().get(0)).append('\n');
        for (String line : p.description().subList(1, p.description().size())) {
            c.append(' ').append(line.isBlank() ? "." : line).append('\n');
        }
        return c.toString();
    }

    private static Map<String, DebPackage.File> controlMembers(DebPackage p) {
        Map<String, DebPackage.File> m = new TreeMap<>();
        m.put("./control", new DebPackage.File(control(p).getBytes(StandardCharsets.UTF_8), 0644));
        StringBuilder sums = new StringBuilder();
        p.files()
                .forEach((path, f) -> sums.append(md5(f.content()))
                        .append("  ")
                        .append(path.substring(1))
                        .append('\n'));
        m.put("./md5sums", new DebPackage.File(sums.toString().getBytes(StandardCharsets.UTF_8), 0644));
        p.scripts()
                .forEach((name, text) ->
                        m.put("./" + name, new DebPackage.File(text.getBytes(StandardCharsets.UTF_8), 0755)));
        return m;
    }

    /** Every file, and every directory above one, as ./path (directories end in /). */
    private static Map<String, DebPackage.File> dataMembers(DebPackage p) {
        SortedSet<String> dirs = new TreeSet<>();
        for (String path : p.files().keySet()) {
            for (int i = path.indexOf('/', 1); i > 0; i = path.indexOf('/', i + 1)) {
                dirs.add("." + path.substring(0, i + 1));
            }
        }
        Map<String, DebPackage.File> m = new TreeMap<>();
        m.put("./", null);
        dirs.forEach(d -> m.put(d, null));
        p.files().forEach((path, f) -> m.put("." + path, f));
        return m;
    }

    private static byte[] tarGz(Map<String, DebPackage.File> members, long mtime) throws IOException {
        return Tarballs.gzip(Tarballs.tar(members, mtime, "root"), java.util.zip.Deflater.DEFAULT_COMPRESSION);
    }

    private static void member(ArArchiveOutputStream ar, String name, byte[] content, long mtime) throws IOException {
        ar.putArchiveEntry(new ArArchiveEntry(name, content.length, 0, 0, 0100644, mtime));
        ar.write(content);
        ar.closeArchiveEntry();
    }

    private static String md5(byte[] content) {
        try {
            // dpkg's md5sums file: what dpkg --verify and debsums check installed files against.
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
