package dev.kforge.core.cache;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kforge.core.digest.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A Bazel HTTP remote cache on loopback, in memory, as bazel-remote serves it: {@code GET/PUT
 * /kforge/ac/KEY} and {@code GET/PUT/HEAD /kforge/cas/SHA256}. A real server (the JDK's), so the
 * HTTP store is tested against real requests; blobs can be damaged on purpose, and GET bodies can
 * stall or be cut short, as a failing server or network does. It records what it was asked.
 */
public final class LoopbackCacheServer implements AutoCloseable {

    /** What GET answers do. */
    public enum Fault {
        /** Whole bodies. */
        NONE,
        /** Half the body, then nothing until the server stops. */
        STALL_BODY,
        /** Half the body of a longer declared length, then the connection closes. */
        TRUNCATE_BODY
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "loopback-cache");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, byte[]> stored = new ConcurrentHashMap<>();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private volatile Fault fault = Fault.NONE;

    public LoopbackCacheServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/kforge/", this::handle);
        server.setExecutor(threads);
        server.start();
    }

    public URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/kforge");
    }

    /** How GETs answer from now on. */
    public void fault(Fault f) {
        fault = f;
    }

    /** Every request as METHOD PATH[?QUERY]. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    /** The Authorization header of every request that had one. */
    public List<String> authorizations() {
        return List.copyOf(authorizations);
    }

    /** How many entries and blobs it holds. */
    public int size() {
        return stored.size();
    }

    /** Replaces blob {@code d}'s bytes with others, as a damaged disk behind the server would. */
    void corrupt(Digest d) {
        stored.put("cas/" + d.hex(), "damaged".getBytes(StandardCharsets.US_ASCII));
    }

    private void handle(HttpExchange exchange) throws IOException {
        URI uri = exchange.getRequestURI();
        requests.add(exchange.getRequestMethod() + " " + uri.getRawPath()
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()));
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        if (auth != null) {
            authorizations.add(auth);
        }
        String path = uri.getPath().substring("/kforge/".length());
        try (exchange) {
            switch (exchange.getRequestMethod()) {
                case "PUT" -> {
                    try (InputStream in = exchange.getRequestBody()) {
                        stored.put(path, in.readAllBytes());
                    }
                    exchange.sendResponseHeaders(200, -1);
                }
                case "GET", "HEAD" -> {
                    byte[] body = stored.get(path);
                    if (body == null) {
                        exchange.sendResponseHeaders(404, -1);
                    } else if (exchange.getRequestMethod().equals("HEAD")) {
                        exchange.sendResponseHeaders(200, -1);
                    } else {
                        answer(exchange, body);
                    }
                }
                default -> exchange.sendResponseHeaders(405, -1);
            }
        }
    }

    private void answer(HttpExchange exchange, byte[] body) throws IOException {
        Fault f = fault;
        if (f == Fault.NONE) {
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
            return;
        }
        exchange.sendResponseHeaders(200, body.length + 1000L);
        OutputStream out = exchange.getResponseBody();
        out.write(body, 0, body.length / 2);
        out.flush();
        if (f == Fault.STALL_BODY) {
            try {
                stopped.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // Cut short: the connection closes with the declared length unmet.
        throw new IOException("cut short on purpose");
    }

    @Override
    public void close() {
        stopped.countDown();
        server.stop(0);
        threads.shutdownNow();
    }
}
