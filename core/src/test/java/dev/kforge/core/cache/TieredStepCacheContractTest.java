package dev.kforge.core.cache;

import dev.kforge.core.digest.Digest;
import java.nio.file.Files;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The step-cache contract on the local store in front of a remote one (read-write), as CI shards use it. */
class TieredStepCacheContractTest extends StepCacheContract {

    LoopbackCacheServer server;
    LocalStepCache local;
    TieredStepCache cache;

    @BeforeEach
    void start() throws Exception {
        server = new LoopbackCacheServer();
        local = new LocalStepCache(dir.resolve("local"));
        cache = new TieredStepCache(local, new HttpStepCache(server.base(), Optional.empty()), true);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Override
    StepCache cache() {
        return cache;
    }

    /** Both copies: a good remote copy of a blob damaged locally is a repair, not a miss. */
    @Override
    void corruptBlob(Digest d) throws Exception {
        Files.writeString(local.blob(d), "tampered");
        server.corrupt(d);
    }
}
