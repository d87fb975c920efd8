package dev.kforge.core.service;

import dev.kforge.core.cache.HttpStepCache;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * A remote step cache to use.
 *
 * @param url base URL of a server speaking the Bazel HTTP cache protocol
 * @param readWrite false for read-only (untrusted builds download, never upload)
 * @param header an extra request header such as {@code Authorization: Bearer ...}; never logged
 */
public record RemoteCache(URI url, boolean readWrite, Optional<String> header) {

    public RemoteCache {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(header, "header");
    }

    @Override
    public String toString() {
        return "RemoteCache[" + HttpStepCache.redact(url) + (readWrite ? ", read-write" : ", read-only")
                + (header.isPresent() ? ", header set" : "") + "]";
    }
}
