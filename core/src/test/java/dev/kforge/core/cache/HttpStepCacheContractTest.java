package dev.kforge.core.cache;

import dev.kforge.core.digest.Digest;
import java.util.Optional;

/** The step-cache contract on the HTTP store, against a real server on loopback. */
class HttpStepCacheContractTest extends LoopbackContract {

    HttpStepCache cache;

    @Override
    StepCache cache() {
        if (cache == null) {
            cache = new HttpStepCache(server.base(), Optional.empty());
        }
        return cache;
    }

    @Override
    void corruptBlob(Digest d) {
        server.corrupt(d);
    }
}
