package dev.kforge.core.cache;

import dev.kforge.core.digest.Digest;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.json.CanonicalJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.LoggerFactory;

/**
 * A step cache on a server speaking the Bazel HTTP remote cache protocol (as bazel-remote, or
 * nginx with WebDAV PUT, serves it): {@code GET/PUT {base}/ac/{key}} for action entries (kforge's
 * JSON) and {@code GET/PUT/HEAD {base}/cas/{sha256}} for blobs. Blobs are uploaded before the
 * entry; every download is hashed and a mismatch is a miss. Network or server failures throw
 * {@link RemoteCacheException}, so a caller can carry on locally.
 */
public final class HttpStepCache implements StepCache {

    /** The server could not be reached or answered with an error. */
    public static final class RemoteCacheException extends IOException {
        public RemoteCacheException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final URI base;
    private final Optional<String[]> header;
    private final HttpClient client;
    /** Blobs whose download did not match: uploaded again on the next store, repairing the server. */
    private final Set<String> corrupt = ConcurrentHashMap.newKeySet();

    /**
     * @param base the cache's base URL (without trailing slash)
     * @param header an extra request header {@code Name: value} (credentials), if any
     */
    public HttpStepCache(URI base, Optional<String> header) {
        String b = base.toString();
        this.base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
        this.header = header.map(h -> {
            int colon = h.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("the remote cache header must look like 'Name: value'");
            }
            return new String[] {
                h.substring(0, colon).strip(), h.substring(colon + 1).strip()
            };
        });
        this.client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    }

    /** The largest action entry kforge accepts from a server. */
    static final int MAX_AC_BYTES = 8 << 20;

    /** The base URL without credentials, query or fragment: safe for logs. */
    public static String redact(URI uri) {
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "")
                + (uri.getPath() == null ? "" : uri.getPath());
    }

    public String describe() {
        return redact(base);
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        header.ifPresent(h -> b.header(h[0], h[1]));
        return b;
    }

    @Override
    public Optional<ActionEntry> lookup(Digest key) throws IOException {
        HttpResponse<InputStream> r =
                send(request("/ac/" + key.hex()).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() == 404) {
            r.body().close();
            return Optional.empty();
        }
        if (r.statusCode() / 100 != 2) {
            r.body().close();
        }
        check(r.statusCode(), "GET ac");
        byte[] body;
        try (InputStream in = r.body()) {
            // An entry is a few kilobytes; a server that answers with more is not serving kforge's entry.
            body = in.readNBytes(MAX_AC_BYTES + 1);
        }
        if (body.length > MAX_AC_BYTES) {
            LoggerFactory.getLogger(HttpStepCache.class)
                    .warn(
                            "remote cache {}: entry {} is larger than {} bytes; " + "treated as a miss",
                            describe(),
                            key.prefix(12),
                            MAX_AC_BYTES);
            return Optional.empty();
        }
        try {
            Map<?, ?> m = (Map<?, ?>) CanonicalJson.read(new String(body, StandardCharsets.UTF_8));
            if (!key.hex().equals(m.get("key"))) {
                return Optional.empty();
            }
            SortedMap<String, Digest> outputs = new TreeMap<>();
            ((Map<?, ?>) m.get("outputs")).forEach((k, v) -> outputs.put((String) k, new Digest((String) v)));
            return Optional.of(new ActionEntry(key, outputs, (String) m.get("result")));
        } catch (RuntimeException e) {
            return Optional.empty(); // not an entry kforge wrote: a miss
        }
    }

    @Override
    public void store(Digest key, SortedMap<String, Path> outputs, String result) throws IOException {
        SortedMap<String, String> digests = new TreeMap<>();
        for (Map.Entry<String, Path> e : outputs.entrySet()) {
            Digest d = Digest.ofFile(e.getValue());
            digests.put(e.getKey(), d.hex());
            if (!corrupt.remove(d.hex())) {
                HttpResponse<Void> head = send(
                        request("/cas/" + d.hex())
                                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (head.statusCode() == 200) {
                    continue;
                }
            }
            HttpResponse<Void> put = send(
                    request("/cas/" + d.hex())
                            .PUT(HttpRequest.BodyPublishers.ofFile(e.getValue()))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            check(put.statusCode(), "PUT cas");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", key.hex());
        m.put("outputs", digests);
        m.put("result", result);
        HttpResponse<Void> put = send(
                request("/ac/" + key.hex())
                        .PUT(HttpRequest.BodyPublishers.ofString(CanonicalJson.write(m), StandardCharsets.UTF_8))
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        check(put.statusCode(), "PUT ac");
    }

    @Override
    public boolean fetch(Digest digest, Path target) throws IOException {
        HttpResponse<InputStream> r =
                send(request("/cas/" + digest.hex()).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() == 404) {
            r.body().close();
            return false;
        }
        if (r.statusCode() != 200) {
            r.body().close();
            check(r.statusCode(), "GET cas");
        }
        boolean ok;
        try (InputStream in = r.body()) {
            ok = FileTrees.copyVerified(in, target, digest);
        }
        if (!ok) {
            corrupt.add(digest.hex());
            LoggerFactory.getLogger(HttpStepCache.class)
                    .warn(
                            "remote cache {}: blob {} does not match its digest; ignoring it and rebuilding",
                            describe(),
                            digest.prefix(12));
        }
        return ok;
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return client.send(request, handler);
        } catch (IOException e) {
            throw new RemoteCacheException(
                    "remote cache " + describe() + " unreachable: "
                            + e.getClass().getSimpleName()
                            + (e.getMessage() == null
                                    ? ""
                                    : " " + e.getMessage().replace(base.toString(), describe())),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted talking to the remote cache");
        }
    }

    private void check(int status, String what) throws RemoteCacheException {
        if (status / 100 != 2) {
            throw new RemoteCacheException(
                    "remote cache " + describe() + ": " + what + " answered HTTP " + status, null);
        }
    }
}
