package dev.kforge.core.cache;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The step-cache contract for a store with a remote behind it: a loopback server per test. */
abstract class LoopbackContract extends StepCacheContract {

    LoopbackCacheServer server;

    @BeforeEach
    void startServer() throws Exception {
        server = new LoopbackCacheServer();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }
}
