package dev.kforge.core.cache;

import dev.kforge.core.digest.Digest;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.json.CanonicalJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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

    /** How long one request may take, first byte to last, when nothing else is said. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    /** The longest wait for a connection, within the request's time. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final URI base;
    private final Optional<String[]> header;
    private final Duration timeout;
    private final HttpClient client;
    /** Blobs whose download did not match: uploaded again on the next store, repairing the server. */
    private final Set<String> corrupt = ConcurrentHashMap.newKeySet();

    /** {@link #HttpStepCache(URI, Optional, Duration)} with the default timeout. */
    public HttpStepCache(URI base, Optional<String> header) {
        this(base, header, DEFAULT_TIMEOUT);
    }

    /**
     * @param base the cache's base URL (without trailing slash); a query is kept after each
     *     request's path, {@code user:password@} is sent as HTTP Basic authorization
     * @param header an extra request header {@code Name: value} (credentials), if any
     * @param timeout the most one request may take, from sending it to its body's last byte (the
     *     connection within it, at most {@link #CONNECT_TIMEOUT}); a request over it is a remote fault
     */
    public HttpStepCache(URI base, Optional<String> header, Duration timeout) {
        String path = base.getRawPath() == null ? "" : base.getRawPath();
        this.base = URI.create(base.getScheme() + "://" + base.getRawAuthority().replaceFirst("^[^@]*@", "")
                + (path.endsWith("/") ? path.substring(0, path.length() - 1) : path)
                + (base.getRawQuery() == null ? "" : "?" + base.getRawQuery()));
        Optional<String> basic = Optional.ofNullable(base.getRawUserInfo())
                .map(u -> "Authorization: Basic "
                        + Base64.getEncoder()
                                .encodeToString(URLDecoder.decode(u, StandardCharsets.UTF_8)
                                        .getBytes(StandardCharsets.UTF_8)));
        if (basic.isPresent() && header.isPresent()) {
            throw new IllegalArgumentException(
                    "the remote cache URL has user:password@ and a header is set too: give the credentials once");
        }
        this.header = header.or(() -> basic).map(h -> {
            int colon = h.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("the remote cache header must look like 'Name: value'");
            }
            return new String[] {
                h.substring(0, colon).strip(), h.substring(colon + 1).strip()
            };
        });
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the remote cache timeout must be positive");
        }
        this.timeout = timeout;
        this.client = HttpClient.newBuilder()
                .connectTimeout(timeout.compareTo(CONNECT_TIMEOUT) < 0 ? timeout : CONNECT_TIMEOUT)
                .build();
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

    /** {@code base} + path, the base URL's query after it. */
    private HttpRequest.Builder request(String path) {
        String b = base.toString();
        int q = b.indexOf('?');
        URI uri = URI.create(q < 0 ? b + path : b.substring(0, q) + path + b.substring(q));
        HttpRequest.Builder r = HttpRequest.newBuilder(uri).timeout(timeout);
        header.ifPresent(h -> r.header(h[0], h[1]));
        return r;
    }

    @Override
    public Optional<ActionEntry> lookup(Digest key) throws IOException {
        // An entry is a few kilobytes; a server that answers with more is not serving kforge's entry.
        HttpResponse<Optional<byte[]>> r =
                send(request("/ac/" + key.hex()).GET().build(), info -> new Limited(MAX_AC_BYTES));
        if (r.statusCode() == 404) {
            return Optional.empty();
        }
        check(r.statusCode(), "GET ac");
        if (r.body().isEmpty()) {
            LoggerFactory.getLogger(HttpStepCache.class)
                    .warn(
                            "remote cache {}: entry {} is larger than {} bytes; " + "treated as a miss",
                            describe(),
                            key.prefix(12),
                            MAX_AC_BYTES);
            return Optional.empty();
        }
        try {
            Map<?, ?> m = (Map<?, ?>) CanonicalJson.read(new String(r.body().get(), StandardCharsets.UTF_8));
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
        // Downloaded beside the target, whole, within the request's time; checked, then renamed into place.
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, ".fetch", ".tmp");
        try {
            HttpResponse<Path> r = send(
                    request("/cas/" + digest.hex()).GET().build(),
                    HttpResponse.BodyHandlers.ofFile(
                            tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING));
            if (r.statusCode() == 404) {
                return false;
            }
            check(r.statusCode(), "GET cas");
            boolean ok = FileTrees.moveVerified(tmp, target, digest);
            if (!ok) {
                corrupt.add(digest.hex());
                LoggerFactory.getLogger(HttpStepCache.class)
                        .warn(
                                "remote cache {}: blob {} does not match its digest; ignoring it and rebuilding",
                                describe(),
                                digest.prefix(12));
            }
            return ok;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Sends {@code request} and receives its whole body within the timeout. Whatever goes wrong on
     * the way (refused, reset, stalled, truncated, too slow) is a {@link RemoteCacheException}.
     */
    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException {
        CompletableFuture<HttpResponse<T>> f = client.sendAsync(request, handler);
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new RemoteCacheException(
                    "remote cache " + describe() + ": " + request.method() + " took longer than " + timeout.toSeconds()
                            + " s (--remote-cache-timeout)",
                    e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause() == null ? e : e.getCause();
            throw new RemoteCacheException(
                    "remote cache " + describe() + " unreachable: "
                            + c.getClass().getSimpleName()
                            + (c.getMessage() == null
                                    ? ""
                                    : " " + c.getMessage().replace(base.toString(), describe())),
                    c);
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted talking to the remote cache");
        }
    }

    /** Collects a body up to {@code limit} bytes; over it, cancels the download and answers empty. */
    private static final class Limited implements HttpResponse.BodySubscriber<Optional<byte[]>> {
        private final int limit;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CompletableFuture<Optional<byte[]>> result = new CompletableFuture<>();
        private Flow.Subscription subscription;

        Limited(int limit) {
            this.limit = limit;
        }

        @Override
        public CompletionStage<Optional<byte[]>> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            for (ByteBuffer b : items) {
                if (bytes.size() + b.remaining() > limit) {
                    subscription.cancel();
                    result.complete(Optional.empty());
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                bytes.writeBytes(chunk);
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(Optional.of(bytes.toByteArray()));
        }
    }

    private void check(int status, String what) throws RemoteCacheException {
        if (status / 100 != 2) {
            throw new RemoteCacheException(
                    "remote cache " + describe() + ": " + what + " answered HTTP " + status, null);
        }
    }
}
