package dev.kforge.core.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kforge.core.digest.Digest;
import dev.kforge.core.service.RemoteCache;
import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RedactionTest {

    @Test
    void credentialsNeverAppearInWhatKforgePrints() {
        URI u = URI.create("https://ci:s3cret@cache.example:8443/kforge?token=abc#frag");
        assertThat(HttpStepCache.redact(u)).isEqualTo("https://cache.example:8443/kforge");
        RemoteCache r = new RemoteCache(u, true, Optional.of("Authorization: Bearer topsecret"));
        assertThat(r.toString())
                .doesNotContain("s3cret", "topsecret", "token=abc")
                .isEqualTo("RemoteCache[https://cache.example:8443/kforge, read-write, header set]");
        HttpStepCache c = new HttpStepCache(u, Optional.empty());
        assertThat(c.describe()).isEqualTo("https://cache.example:8443/kforge");
        HttpStepCache h = new HttpStepCache(
                URI.create("https://cache.example:8443/kforge?token=abc"),
                Optional.of("Authorization: Bearer topsecret"));
        assertThat(h.describe()).isEqualTo("https://cache.example:8443/kforge");
        // Credentials twice (user:password@ and a header) are refused rather than one silently dropped.
        assertThatThrownBy(() -> new HttpStepCache(u, Optional.of("Authorization: Bearer topsecret")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("give the credentials once")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void anUnreachableServerIsARemoteCacheExceptionWithoutCredentials() throws Exception {
        HttpStepCache c = new HttpStepCache(URI.create("http://user:pw@127.0.0.1:1/x"), Optional.empty());
        try {
            c.lookup(Digest.of("k"));
            throw new AssertionError("expected a failure");
        } catch (HttpStepCache.RemoteCacheException e) {
            assertThat(e.getMessage())
                    .startsWith("remote cache http://127.0.0.1:1/x unreachable")
                    .doesNotContain("pw");
        }
    }
}
