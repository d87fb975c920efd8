package dev.kforge.pkg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.json.CanonicalJson;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OCI layout kforge writes: content-addressed, self-consistent, the same bytes for the same image. */
class OciLayoutTest {

    @TempDir
    Path dir;

    static OciLayout.Image image(String platform) {
        return new OciLayout.Image(
                "6.1.0-28-armmp",
                platform,
                new TreeMap<>(Map.of(
                        "opt/lib/modules/6.1.0-28-armmp/kf_core.ko",
                        new DebPackage.File("ELF".getBytes(StandardCharsets.UTF_8), 0644),
                        "opt/lib/modules/6.1.0-28-armmp/modules.dep",
                        new DebPackage.File("kf_core.ko:\n".getBytes(StandardCharsets.UTF_8), 0644))),
                new TreeMap<>(Map.of("org.opencontainers.image.version", "1.2.0")),
                1_700_000_000L);
    }

    @Test
    void everyBlobIsNamedByItsDigestAndTheIndexLeadsToTheLayer() throws Exception {
        Path layout = Files.createDirectories(dir.resolve("a"));
        String digest = OciLayout.write(image("arm/v7"), layout);
        Map<?, ?> index = (Map<?, ?>) CanonicalJson.read(Files.readString(layout.resolve("index.json")));
        Map<?, ?> entry = (Map<?, ?>) ((List<?>) index.get("manifests")).get(0);
        assertThat(entry.get("digest")).isEqualTo(digest);
        assertThat(strings(entry.get("platform")))
                .containsEntry("architecture", "arm")
                .containsEntry("variant", "v7")
                .containsEntry("os", "linux");
        assertThat(strings(entry.get("annotations")))
                .containsEntry("org.opencontainers.image.ref.name", "6.1.0-28-armmp");
        try (Stream<Path> blobs = Files.list(layout.resolve("blobs/sha256"))) {
            for (Path b : blobs.toList()) {
                assertThat(OciLayout.sha256(Files.readAllBytes(b)))
                        .isEqualTo(b.getFileName().toString());
            }
        }
        Map<?, ?> manifest = (Map<?, ?>) CanonicalJson.read(Files.readString(blob(layout, digest)));
        assertThat(strings(manifest.get("annotations"))).containsEntry("org.opencontainers.image.version", "1.2.0");
        Map<?, ?> layerDesc = (Map<?, ?>) ((List<?>) manifest.get("layers")).get(0);
        Map<?, ?> configDesc = (Map<?, ?>) manifest.get("config");
        Map<?, ?> config =
                (Map<?, ?>) CanonicalJson.read(Files.readString(blob(layout, (String) configDesc.get("digest"))));
        byte[] tar = new GZIPInputStream(Files.newInputStream(blob(layout, (String) layerDesc.get("digest"))))
                .readAllBytes();
        assertThat(((Map<?, ?>) config.get("rootfs")).get("diff_ids"))
                .isEqualTo(List.of("sha256:" + OciLayout.sha256(tar)));
        assertThat(config.get("created")).isEqualTo("2023-11-14T22:13:20Z");
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                names.add(e.getName());
                assertThat(e.getLastModifiedTime().toMillis()).isEqualTo(1_700_000_000_000L);
                assertThat(e.getLongUserId()).isZero();
            }
        }
        assertThat(names)
                .containsExactly(
                        "opt/",
                        "opt/lib/",
                        "opt/lib/modules/",
                        "opt/lib/modules/6.1.0-28-armmp/",
                        "opt/lib/modules/6.1.0-28-armmp/kf_core.ko",
                        "opt/lib/modules/6.1.0-28-armmp/modules.dep");
    }

    @Test
    void theSameImageGivesTheSameBytesAndAnotherPlatformAnotherDigest() throws Exception {
        Path a = Files.createDirectories(dir.resolve("a"));
        Path b = Files.createDirectories(dir.resolve("b"));
        String first = OciLayout.write(image("amd64"), a);
        assertThat(OciLayout.write(image("amd64"), b)).isEqualTo(first);
        assertThat(Files.readAllBytes(b.resolve("index.json"))).isEqualTo(Files.readAllBytes(a.resolve("index.json")));
        assertThat(OciLayout.write(image("arm64"), Files.createDirectories(dir.resolve("c"))))
                .isNotEqualTo(first);
    }

    @Test
    void aKernelReleaseBecomesATagEvenWithDebiansPlus() {
        assertThat(OciLayout.tagFor("6.1.0-28-amd64")).isEqualTo("6.1.0-28-amd64");
        assertThat(OciLayout.tagFor("6.12.95+deb12-amd64")).isEqualTo("6.12.95_deb12-amd64");
        assertThat(OciLayout.tagFor("7.3.4+deb13-arm64")).isEqualTo("7.3.4_deb13-arm64");
        assertThat(OciLayout.tagFor(".hidden")).isEqualTo("_.hidden");
        assertThat(OciLayout.tagFor("x".repeat(200))).hasSize(128);
        // Every tag it gives is one the image accepts.
        new OciLayout.Image(OciLayout.tagFor("6.12.95+deb12-amd64"), "amd64", new TreeMap<>(), new TreeMap<>(), 0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> strings(Object tree) {
        return (Map<String, Object>) tree;
    }

    private static Path blob(Path layout, String digest) {
        return layout.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
    }
}
