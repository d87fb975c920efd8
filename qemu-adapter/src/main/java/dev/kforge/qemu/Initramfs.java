package dev.kforge.qemu;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * A gzip-compressed cpio archive in the "newc" format the kernel unpacks as its initramfs
 * (Documentation/driver-api/early-userspace/buffer-format.rst), written in Java: no cpio, no root
 * (the console device node is an entry, not a mknod), and the same bytes for the same entries
 * (inode numbers in order, every mtime 0, gzip without a name or time).
 */
final class Initramfs {

    private static final int DIR = 0040000;
    private static final int FILE = 0100000;
    private static final int LINK = 0120000;
    private static final int CHAR = 0020000;

    @SuppressWarnings("ArrayRecordComponent") // a private value, never compared or hashed
    private record Entry(int mode, byte[] data, int rdevMajor, int rdevMinor) {}

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    Initramfs dir(String path) {
        entries.putIfAbsent(path, new Entry(DIR | 0755, new byte[0], 0, 0));
        return this;
    }

    Initramfs file(String path, byte[] content, boolean executable) {
        parents(path);
        entries.put(path, new Entry(FILE | (executable ? 0755 : 0644), content, 0, 0));
        return this;
    }

    Initramfs file(String path, Path source, boolean executable) throws IOException {
        return file(path, Files.readAllBytes(source), executable);
    }

    Initramfs symlink(String path, String target) {
        parents(path);
        entries.put(path, new Entry(LINK | 0777, target.getBytes(StandardCharsets.UTF_8), 0, 0));
        return this;
    }

    Initramfs charDevice(String path, int major, int minor) {
        parents(path);
        entries.put(path, new Entry(CHAR | 0600, new byte[0], major, minor));
        return this;
    }

    private void parents(String path) {
        int slash = path.indexOf('/');
        while (slash > 0) {
            dir(path.substring(0, slash));
            slash = path.indexOf('/', slash + 1);
        }
    }

    /** The archive, gzip-compressed. */
    byte[] toGzip() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes, 1 << 16)) {
            write(gz);
        }
        return bytes.toByteArray();
    }

    /** Writes the archive, uncompressed, to {@code out}. */
    void write(OutputStream out) throws IOException {
        long[] written = {0};
        int ino = 1;
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            Entry en = e.getValue();
            int nlink = (en.mode & 0170000) == DIR ? 2 : 1;
            written[0] += header(out, ino++, en.mode, nlink, en.data.length, en.rdevMajor, en.rdevMinor, e.getKey());
            out.write(en.data);
            written[0] += en.data.length;
            written[0] += pad(out, written[0]);
        }
        written[0] += header(out, 0, 0, 1, 0, 0, 0, "TRAILER!!!");
        pad(out, written[0]);
    }

    private static long header(
            OutputStream out, int ino, int mode, int nlink, int size, int rmaj, int rmin, String name)
            throws IOException {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder("070701");
        for (long v : new long[] {ino, mode, 0, 0, nlink, 0, size, 0, 0, rmaj, rmin, n.length + 1, 0}) {
            h.append(String.format(Locale.ROOT, "%08X", v));
        }
        byte[] hb = h.toString().getBytes(StandardCharsets.US_ASCII);
        out.write(hb);
        out.write(n);
        out.write(0);
        long len = hb.length + n.length + 1L;
        return len + pad(out, len);
    }

    /** Pads to a multiple of four bytes, as newc wants after each header+name and each file's data. */
    private static int pad(OutputStream out, long written) throws IOException {
        int p = (int) ((4 - written % 4) % 4);
        out.write(new byte[p]);
        return p;
    }
}
