package dev.kforge.pkg;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/**
 * The tar and gzip streams every package format is made of, written by Commons Compress so the same
 * members give the same bytes: entries in the map's order, owned by uid and gid 0, every mtime the
 * package's time, gzip headers without a name or time.
 */
final class Tarballs {

    private Tarballs() {}

    /**
     * A tar of {@code members} (path to file; a null file is a directory, mode 0755).
     *
     * @param owner the user and group names entries carry ("root" in a .deb; "" in an image layer)
     */
    static byte[] tar(Map<String, DebPackage.File> members, long mtime, String owner) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Map.Entry<String, DebPackage.File> e : members.entrySet()) {
                TarArchiveEntry t = new TarArchiveEntry(e.getKey());
                t.setUserId(0);
                t.setGroupId(0);
                t.setUserName(owner);
                t.setGroupName(owner);
                t.setModTime(mtime * 1000);
                if (e.getValue() == null) {
                    t.setMode(040755);
                    tar.putArchiveEntry(t);
                } else {
                    t.setMode(0100000 | e.getValue().mode());
                    t.setSize(e.getValue().size());
                    tar.putArchiveEntry(t);
                    tar.write(e.getValue().content());
                }
                tar.closeArchiveEntry();
            }
            tar.finish();
        }
        return bytes.toByteArray();
    }

    /** {@code data} gzip-compressed at {@code level}, without a file name or time in the header (gzip -n). */
    static byte[] gzip(byte[] data, int level) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        GzipParameters gz = new GzipParameters();
        gz.setModificationTime(0);
        gz.setCompressionLevel(level);
        try (GzipCompressorOutputStream z = new GzipCompressorOutputStream(bytes, gz)) {
            z.write(data);
        }
        return bytes.toByteArray();
    }
}
