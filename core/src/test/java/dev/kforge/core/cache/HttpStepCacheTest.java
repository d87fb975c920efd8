package dev.kforge.core.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.kforge.core.digest.Digest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP store against a real server on loopback (the JDK's) that misbehaves on purpose. */
class HttpStepCacheTest {

    HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void anOversizedActionEntryIsAMissAndIsNotReadWhole() throws Exception {
        Digest key = Digest.of("big");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/kforge/ac/", exchange -> {
            // A well-formed entry whose result is 64 MiB long, streamed: valid, but no entry kforge writes.
            exchange.sendResponseHeaders(200, 0);
            byte[] chunk = " ".repeat(1 << 16).getBytes(StandardCharsets.US_ASCII);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(("{\"key\":\"" + key.hex() + "\",\"outputs\":{},\"result\":\"")
                        .getBytes(StandardCharsets.US_ASCII));
                for (int i = 0; i < 1024; i++) {
                    out.write(chunk);
                }
                out.write("\"}".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // the client hung up after its limit: expected
            }
        });
        server.start();
        var cache = new HttpStepCache(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/kforge"), Optional.empty());
        assertThat(cache.lookup(key)).isEmpty();
    }

    @Test
    void aWellFormedEntryIsServed() throws Exception {
        Digest key = Digest.of("small");
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/kforge/ac/", exchange -> {
            byte[] body = ("{\"key\":\"" + key.hex() + "\",\"outputs\":{},\"result\":\"{}\"}")
                    .getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        var cache = new HttpStepCache(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/kforge"), Optional.empty());
        assertThat(cache.lookup(key))
                .hasValueSatisfying(e -> assertThat(e.result()).isEqualTo("{}"));
    }
}
