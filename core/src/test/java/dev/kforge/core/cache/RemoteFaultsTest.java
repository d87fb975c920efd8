package dev.kforge.core.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.kforge.core.digest.Digest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Remote faults in the body, URLs with a query or credentials: against a real server on loopback. */
class RemoteFaultsTest {

    @TempDir
    Path dir;

    LoopbackCacheServer server;
    Digest key = Digest.of("step");
    Path blob;

    @BeforeEach
    void start() throws Exception {
        server = new LoopbackCacheServer();
        blob = Files.writeString(dir.resolve("hello.ko"), "x".repeat(100_000));
        new HttpStepCache(server.base(), Optional.empty())
                .store(key, new TreeMap<>(Map.of("out/hello.ko", blob)), "{\"status\":\"built\"}");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    HttpStepCache cache() {
        return new HttpStepCache(server.base(), Optional.empty(), Duration.ofSeconds(2));
    }

    @Test
    void aStalledBodyIsARemoteFaultWithinTheTimeoutNotAHang() {
        server.fault(LoopbackCacheServer.Fault.STALL_BODY);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            assertThatThrownBy(() -> cache().lookup(key))
                    .isInstanceOf(HttpStepCache.RemoteCacheException.class)
                    .hasMessageContaining("took longer than 2 s (--remote-cache-timeout)");
            assertThatThrownBy(() -> cache().fetch(Digest.ofFile(blob), dir.resolve("got.ko")))
                    .isInstanceOf(HttpStepCache.RemoteCacheException.class);
        });
        assertThat(dir.resolve("got.ko")).doesNotExist();
    }

    @Test
    void aTruncatedBodyIsARemoteFaultAndWritesNothing() throws Exception {
        server.fault(LoopbackCacheServer.Fault.TRUNCATE_BODY);
        assertThatThrownBy(() -> cache().lookup(key)).isInstanceOf(HttpStepCache.RemoteCacheException.class);
        assertThatThrownBy(() -> cache().fetch(Digest.ofFile(blob), dir.resolve("got.ko")))
                .isInstanceOf(HttpStepCache.RemoteCacheException.class);
        assertThat(dir.resolve("got.ko")).doesNotExist();
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void behindTheTieredCacheABodyFaultIsAMissAndTheRemoteIsLeftAlone() throws Exception {
        server.fault(LoopbackCacheServer.Fault.TRUNCATE_BODY);
        TieredStepCache tiered = new TieredStepCache(new LocalStepCache(dir.resolve("local")), cache(), true);
        assertThat(tiered.lookup(key)).isEmpty();
        assertThat(tiered.remoteHealthy()).isFalse();
        assertThat(tiered.fetch(Digest.ofFile(blob), dir.resolve("got.ko"))).isFalse();
    }

    @Test
    void aQueryInTheUrlFollowsEachRequestsPathAndHits() throws Exception {
        URI withQuery = URI.create(server.base() + "?token=abc");
        HttpStepCache c = new HttpStepCache(withQuery, Optional.empty());
        assertThat(c.lookup(key)).isPresent();
        assertThat(server.requests()).contains("GET /kforge/ac/" + key.hex() + "?token=abc");
        assertThat(c.describe()).doesNotContain("token");
    }

    @Test
    void userAndPasswordInTheUrlAreSentAsBasicAuthorization() throws Exception {
        URI base = server.base();
        URI withUser = URI.create(base.getScheme() + "://ci:s%40cret@" + base.getRawAuthority() + base.getRawPath());
        HttpStepCache c = new HttpStepCache(withUser, Optional.empty());
        assertThat(c.lookup(key)).isPresent();
        assertThat(server.authorizations())
                .contains("Basic " + Base64.getEncoder().encodeToString("ci:s@cret".getBytes(StandardCharsets.UTF_8)));
        assertThat(c.describe()).doesNotContain("cret");
    }
}
