package dev.kforge.debian;

import dev.kforge.core.json.CanonicalJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** The JSON markers kforge writes last into what it unpacks or makes in the cache (Debian trees, boot files, roots). */
final class Markers {

    private Markers() {}

    /** The marker's content; empty when it is missing or torn (the thing it marks is then made again). */
    static Optional<Map<?, ?>> read(Path marker) throws IOException {
        if (!Files.isRegularFile(marker)) {
            return Optional.empty();
        }
        try {
            return Optional.of((Map<?, ?>) CanonicalJson.read(Files.readString(marker)));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
