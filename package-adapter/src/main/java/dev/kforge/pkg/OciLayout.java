package dev.kforge.pkg;

import dev.kforge.core.json.CanonicalJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Writes a one-layer image as an OCI image layout (image-spec's image-layout.md: oci-layout,
 * index.json, blobs/sha256/), without a container daemon: the layer is a tar written by Commons
 * Compress (entries sorted, owned by root, every mtime the image's time, gzip without a name or
 * time), the config, manifest and index compact JSON with fixed key order. The same image gives the
 * same digests.
 */
final class OciLayout {

    static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String CONFIG = "application/vnd.oci.image.config.v1+json";
    static final String LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
    static final String INDEX = "application/vnd.oci.image.index.v1+json";

    /**
     * One image.
     *
     * @param tag its reference name in the layout (org.opencontainers.image.ref.name)
     * @param platform GOARCH, then /variant when there is one
     * @param files path inside the image (no leading /) to content and mode
     * @param annotations the manifest's annotations
     * @param mtime the time of every layer entry and of the config's created, seconds
     */
    record Image(
            String tag,
            String platform,
            SortedMap<String, DebPackage.File> files,
            SortedMap<String, String> annotations,
            long mtime) {
        Image {
            if (!tag.matches("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")) {
                throw new IllegalArgumentException("'" + tag + "' is not an image tag");
            }
            Objects.requireNonNull(platform, "platform");
            files = Collections.unmodifiableSortedMap(new TreeMap<>(files));
            annotations = Collections.unmodifiableSortedMap(new TreeMap<>(annotations));
        }
    }

    private OciLayout() {}

    /**
     * The image tag of a kernel release: the release with every character a tag cannot hold (Debian's
     * '+', as in 6.12.95+deb12-amd64) as '_'; the exact release is in the image's annotations and paths.
     */
    static String tagFor(String release) {
        String tag = release.replaceAll("[^A-Za-z0-9_.-]", "_");
        if (!tag.matches("[A-Za-z0-9_].*")) {
            tag = "_" + tag;
        }
        return tag.length() > 128 ? tag.substring(0, 128) : tag;
    }

    /** Writes {@code image} as a layout into the empty directory {@code dir}; the manifest's digest. */
    static String write(Image image, Path dir) throws IOException {
        byte[] tar = tar(image);
        byte[] layer = Tarballs.gzip(tar, java.util.zip.Deflater.DEFAULT_COMPRESSION);
        String[] platform = image.platform().split("/", 2);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("created", Instant.ofEpochSecond(image.mtime()).toString());
        config.put("architecture", platform[0]);
        if (platform.length > 1) {
            config.put("variant", platform[1]);
        }
        config.put("os", "linux");
        config.put("config", Map.of());
        Map<String, Object> rootfs = new LinkedHashMap<>();
        rootfs.put("type", "layers");
        rootfs.put("diff_ids", List.of("sha256:" + sha256(tar)));
        config.put("rootfs", rootfs);
        Map<String, Object> history = new LinkedHashMap<>();
        history.put("created", Instant.ofEpochSecond(image.mtime()).toString());
        history.put("created_by", "kforge package --format oci");
        config.put("history", List.of(history));
        byte[] configBytes = json(config);

        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", MANIFEST);
        manifest.put("config", descriptor(CONFIG, configBytes));
        manifest.put("layers", List.of(descriptor(LAYER, layer)));
        manifest.put("annotations", image.annotations());
        byte[] manifestBytes = json(manifest);

        Map<String, Object> entry = descriptor(MANIFEST, manifestBytes);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("architecture", platform[0]);
        p.put("os", "linux");
        if (platform.length > 1) {
            p.put("variant", platform[1]);
        }
        entry.put("platform", p);
        entry.put("annotations", Map.of("org.opencontainers.image.ref.name", image.tag()));
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("schemaVersion", 2);
        index.put("mediaType", INDEX);
        index.put("manifests", List.of(entry));

        Path blobs = Files.createDirectories(dir.resolve("blobs/sha256"));
        for (byte[] blob : List.of(layer, configBytes, manifestBytes)) {
            Files.write(blobs.resolve(sha256(blob)), blob);
        }
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.write(dir.resolve("index.json"), json(index));
        return "sha256:" + sha256(manifestBytes);
    }

    private static Map<String, Object> descriptor(String mediaType, byte[] content) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("mediaType", mediaType);
        d.put("digest", "sha256:" + sha256(content));
        d.put("size", content.length);
        return d;
    }

    private static byte[] json(Object tree) {
        return CanonicalJson.compact(tree).getBytes(StandardCharsets.UTF_8);
    }

    /** Every file, and every directory above one, in path order. */
    private static byte[] tar(Image image) throws IOException {
        SortedSet<String> dirs = new TreeSet<>();
        for (String path : image.files().keySet()) {
            for (int i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
                dirs.add(path.substring(0, i + 1));
            }
        }
        SortedMap<String, DebPackage.File> members = new TreeMap<>();
        dirs.forEach(d -> members.put(d, null));
        members.putAll(image.files());
        return Tarballs.tar(members, image.mtime(), "");
    }

    static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
