package dev.kforge.core.digest;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;

/**
 * An unambiguous SHA-256 builder: every string is length-prefixed and every collection
 * count-prefixed, so ("ab","c") and ("a","bc") never collide. Maps must be sorted so that the
 * fingerprint does not depend on iteration order.
 */
public final class Fingerprint {

    private final MessageDigest md = Digest.sha256();

    /** Starts a fingerprint salted with a purpose and a format version. */
    public Fingerprint(String purpose, int formatVersion) {
        add(purpose);
        add(formatVersion);
    }

    public Fingerprint add(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        md.update((byte) 's');
        md.update(ByteBuffer.allocate(8).putLong(b.length).array());
        md.update(b);
        return this;
    }

    public Fingerprint add(long n) {
        md.update((byte) 'n');
        md.update(ByteBuffer.allocate(8).putLong(n).array());
        return this;
    }

    public Fingerprint add(boolean b) {
        md.update((byte) (b ? 'T' : 'F'));
        return this;
    }

    public Fingerprint add(Digest d) {
        md.update((byte) 'd');
        md.update(HexFormat.of().parseHex(d.hex()));
        return this;
    }

    public Fingerprint addStrings(Collection<String> items) {
        md.update((byte) 'l');
        md.update(ByteBuffer.allocate(8).putLong(items.size()).array());
        items.forEach(this::add);
        return this;
    }

    public Fingerprint addMap(SortedMap<String, String> map) {
        md.update((byte) 'm');
        md.update(ByteBuffer.allocate(8).putLong(map.size()).array());
        for (Map.Entry<String, String> e : map.entrySet()) {
            add(e.getKey());
            add(e.getValue());
        }
        return this;
    }

    public Digest digest() {
        return new Digest(HexFormat.of().formatHex(md.digest()));
    }
}
