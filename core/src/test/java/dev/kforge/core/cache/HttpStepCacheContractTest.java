package dev.kforge.core.cache;

import dev.kforge.core.digest.Digest;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The step-cache contract on the HTTP store, against a real server on loopback. */
class HttpStepCacheContractTest extends StepCacheContract {

    LoopbackCacheServer server;
    HttpStepCache cache;

    @BeforeEach
    void start() throws Exception {
        server = new LoopbackCacheServer();
        cache = new HttpStepCache(server.base(), Optional.empty());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Override
    StepCache cache() {
        return cache;
    }

    @Override
    void corruptBlob(Digest d) {
        server.corrupt(d);
    }
}
