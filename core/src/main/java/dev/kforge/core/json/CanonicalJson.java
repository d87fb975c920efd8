package dev.kforge.core.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.kforge.core.digest.Digest;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Canonical JSON: object keys sorted, fixed two-space indentation, "\n" line ends, a trailing
 * newline. Input is a tree of {@link Map}, {@link List}, String, Number, Boolean and null; the
 * same tree always gives the same bytes. The only place in kforge that touches Jackson.
 */
public final class CanonicalJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter()
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n"));

    private CanonicalJson() {}

    /** Pretty, stable form for files and terminals. */
    public static String write(Object tree) {
        try {
            return MAPPER.writer(PRETTY).writeValueAsString(tree) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("value cannot be written as JSON", e);
        }
    }

    /** The pretty form of {@link #write}, streamed to {@code out} (a large plan is not held as one string). */
    public static void write(Object tree, Writer out) throws IOException {
        MAPPER.writer(PRETTY).without(JsonGenerator.Feature.AUTO_CLOSE_TARGET).writeValue(out, tree);
        out.write('\n');
        out.flush();
    }

    /**
     * SHA-256 of the compact form's UTF-8 bytes (the same digest as hashing {@link #compact}),
     * streamed through the digest instead of building the string.
     */
    public static Digest digest(Object tree) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (OutputStream sink =
                new BufferedOutputStream(new DigestOutputStream(OutputStream.nullOutputStream(), md), 1 << 16)) {
            MAPPER.writeValue(sink, tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Digest(HexFormat.of().formatHex(md.digest()));
    }

    /** Compact form, used for hashing: no whitespace at all. */
    public static String compact(Object tree) {
        try {
            return MAPPER.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("value cannot be written as JSON", e);
        }
    }

    /** Parses JSON into the same tree shape (maps, lists, strings, numbers, booleans). */
    public static Object read(String json) {
        try {
            return MAPPER.readValue(json, Object.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
