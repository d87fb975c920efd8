package dev.kforge.core.service;

import dev.kforge.core.cache.HttpStepCache;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A remote step cache to use.
 *
 * @param url base URL of a server speaking the Bazel HTTP cache protocol
 * @param readWrite false for read-only (untrusted builds download, never upload)
 * @param header an extra request header such as {@code Authorization: Bearer ...}; never logged
 * @param timeout the most one request may take, first byte to last
 */
public record RemoteCache(URI url, boolean readWrite, Optional<String> header, Duration timeout) {

    public RemoteCache {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(header, "header");
        Objects.requireNonNull(timeout, "timeout");
    }

    /** With the default timeout. */
    public RemoteCache(URI url, boolean readWrite, Optional<String> header) {
        this(url, readWrite, header, HttpStepCache.DEFAULT_TIMEOUT);
    }

    @Override
    public String toString() {
        return "RemoteCache[" + HttpStepCache.redact(url) + (readWrite ? ", read-write" : ", read-only")
                + (header.isPresent() ? ", header set" : "") + "]";
    }
}
