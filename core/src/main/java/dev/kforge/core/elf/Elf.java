package dev.kforge.core.elf;

import dev.kforge.core.digest.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The few facts kforge reads from an ELF file (a kernel module): e_machine, .modinfo and a digest
 * of every section's contents (to say which sections differ when two builds differ).
 */
public record Elf(
        int machine,
        boolean is64,
        SortedMap<String, String> modinfo,
        SortedMap<String, String> sections,
        List<String> comment) {

    public Elf {
        comment = List.copyOf(comment);
    }

    /** The compiler that built it, as its {@code .comment} section says ({@code GCC: (Debian 14.2.0-19) 14.2.0}). */
    public Optional<String> compiler() {
        return comment.stream()
                .filter(c -> c.startsWith("GCC:") || c.contains("clang"))
                .findFirst();
    }

    /**
     * Reads an ELF file. Every offset and size is checked against the file before use: a
     * truncated or garbage file is an IOException naming the file and what is wrong, never an
     * index error.
     */
    public static Elf read(Path file) throws IOException {
        return read(file.toString(), Files.readAllBytes(file));
    }

    /** Reads an ELF image held in memory (a module decompressed from .ko.xz); {@code file} names it in errors. */
    public static Elf read(String file, byte[] bytes) throws IOException {
        if (bytes.length < 16 || bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F') {
            throw new IOException(file + " is not an ELF file");
        }
        if ((bytes[4] != 1 && bytes[4] != 2) || (bytes[5] != 1 && bytes[5] != 2)) {
            throw new IOException(
                    file + " is not a valid ELF file: unknown class " + bytes[4] + " or byte order " + bytes[5]);
        }
        boolean is64 = bytes[4] == 2;
        if (bytes.length < (is64 ? 64 : 52)) {
            throw new IOException(file + " is not a valid ELF file: " + bytes.length
                    + " bytes is shorter than its header (truncated?)");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        b.order(bytes[5] == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        int machine = Short.toUnsignedInt(b.getShort(18));
        long shoff = is64 ? b.getLong(0x28) : Integer.toUnsignedLong(b.getInt(0x20));
        int shentsize = Short.toUnsignedInt(b.getShort(is64 ? 0x3A : 0x2E));
        int shnum = Short.toUnsignedInt(b.getShort(is64 ? 0x3C : 0x30));
        int shstrndx = Short.toUnsignedInt(b.getShort(is64 ? 0x3E : 0x32));
        SortedMap<String, String> modinfo = new TreeMap<>();
        SortedMap<String, String> sections = new TreeMap<>();
        List<String> comment = new ArrayList<>();
        if (shoff == 0 || shnum == 0) {
            return new Elf(machine, is64, modinfo, sections, comment);
        }
        if (shentsize < (is64 ? 64 : 40)) {
            throw new IOException(
                    file + " is not a valid ELF file: section header size " + shentsize + " is too small");
        }
        if (shoff < 0 || shoff + (long) shnum * shentsize > bytes.length) {
            throw new IOException(file + " is not a valid ELF file: its section headers end past its " + bytes.length
                    + " bytes (truncated?)");
        }
        if (shstrndx >= shnum) {
            throw new IOException(
                    file + " is not a valid ELF file: section name table index " + shstrndx + " >= " + shnum);
        }
        long strOff = sectionOffset(b, shoff, shentsize, shstrndx, is64);
        for (int i = 0; i < shnum; i++) {
            int base = (int) (shoff + (long) i * shentsize);
            long nameOff = strOff + Integer.toUnsignedLong(b.getInt(base));
            if (strOff < 0 || nameOff >= bytes.length) {
                throw new IOException(
                        file + " is not a valid ELF file: section " + i + "'s name lies past the end (truncated?)");
            }
            String name = cString(bytes, (int) nameOff);
            long off = sectionOffset(b, shoff, shentsize, i, is64);
            long size = is64 ? b.getLong(base + 0x20) : Integer.toUnsignedLong(b.getInt(base + 0x14));
            int type = b.getInt(base + 4);
            boolean nobits = type == 8; // SHT_NOBITS has no bytes in the file
            if (!nobits && type != 0 && (off < 0 || size < 0 || off + size > bytes.length)) {
                throw new IOException(file + " is not a valid ELF file: section " + (name.isEmpty() ? "#" + i : name)
                        + " lies past the end of the file (truncated?)");
            }
            boolean hasBytes = !nobits && type != 0;
            if (name.equals(".modinfo") && hasBytes) {
                parseModinfo(bytes, (int) off, (int) size, modinfo);
            }
            if (name.equals(".comment") && hasBytes) {
                for (String c : new String(bytes, (int) off, (int) size, StandardCharsets.ISO_8859_1).split("\0")) {
                    if (!c.isBlank() && !comment.contains(c.strip())) {
                        comment.add(c.strip());
                    }
                }
            }
            if (!name.isEmpty()) {
                String digest = hasBytes
                        ? Digest.of(Arrays.copyOfRange(bytes, (int) off, (int) (off + size)))
                                .hex()
                        : "nobits:" + size;
                sections.merge(name, digest, (x, y) -> x + "+" + y);
            }
        }
        return new Elf(machine, is64, modinfo, sections, comment);
    }

    /** Names of the sections whose contents differ between {@code this} and {@code other}, or exist in one only. */
    public List<String> differingSections(Elf other) {
        SortedSet<String> names = new TreeSet<>(sections.keySet());
        names.addAll(other.sections.keySet());
        return names.stream()
                .filter(n -> !Objects.equals(sections.get(n), other.sections.get(n)))
                .toList();
    }

    public Optional<String> vermagic() {
        return Optional.ofNullable(modinfo.get("vermagic"));
    }

    /** A .modinfo field (license, description, depends, ...): its first value. */
    public Optional<String> modinfo(String key) {
        return Optional.ofNullable(modinfo.get(key));
    }

    /** The release: the first word of vermagic. */
    public Optional<String> release() {
        return vermagic().map(v -> v.split(" ", 2)[0]);
    }

    private static long sectionOffset(ByteBuffer b, long shoff, int shentsize, int index, boolean is64) {
        int base = (int) (shoff + (long) index * shentsize);
        return is64 ? b.getLong(base + 0x18) : Integer.toUnsignedLong(b.getInt(base + 0x10));
    }

    private static void parseModinfo(byte[] bytes, int off, int size, SortedMap<String, String> out) {
        int end = Math.min(bytes.length, off + size);
        int i = off;
        while (i < end) {
            int j = i;
            while (j < end && bytes[j] != 0) {
                j++;
            }
            if (j > i) {
                String kv = new String(bytes, i, j - i, StandardCharsets.UTF_8);
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    out.merge(kv.substring(0, eq), kv.substring(eq + 1), (a, c) -> a + "," + c);
                }
            }
            i = j + 1;
        }
    }

    private static String cString(byte[] bytes, int off) {
        int j = off;
        while (j < bytes.length && bytes[j] != 0) {
            j++;
        }
        return new String(bytes, off, j - off, StandardCharsets.UTF_8);
    }
}
