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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Bazel HTTP remote cache on loopback, in memory, as bazel-remote serves it: {@code GET/PUT
 * /kforge/ac/KEY} and {@code GET/PUT/HEAD /kforge/cas/SHA256}. A real server (the JDK's), so the
 * HTTP store is tested against real requests; blobs can be damaged on purpose.
 */
final class LoopbackCacheServer implements AutoCloseable {

    private final HttpServer server;
    private final Map<String, byte[]> stored = new ConcurrentHashMap<>();

    LoopbackCacheServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/kforge/", this::handle);
        server.start();
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/kforge");
    }

    /** Replaces blob {@code d}'s bytes with others, as a damaged disk behind the server would. */
    void corrupt(Digest d) {
        stored.put("cas/" + d.hex(), "damaged".getBytes(StandardCharsets.US_ASCII));
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath().substring("/kforge/".length());
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
                        exchange.sendResponseHeaders(200, body.length);
                        try (OutputStream out = exchange.getResponseBody()) {
                            out.write(body);
                        }
                    }
                }
                default -> exchange.sendResponseHeaders(405, -1);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
