package dev.kforge.core.cache;

import dev.kforge.core.digest.Digest;
import java.nio.file.Files;
import java.util.Optional;

/** The step-cache contract on the local store in front of a remote one (read-write), as CI shards use it. */
class TieredStepCacheContractTest extends LoopbackContract {

    TieredStepCache cache;

    @Override
    StepCache cache() {
        if (cache == null) {
            cache = new TieredStepCache(
                    new LocalStepCache(dir.resolve("local")), new HttpStepCache(server.base(), Optional.empty()), true);
        }
        return cache;
    }

    /** Both copies: a good remote copy of a blob damaged locally is a repair, not a miss. */
    @Override
    void corruptBlob(Digest d) throws Exception {
        Files.writeString(new LocalStepCache(dir.resolve("local")).blob(d), "tampered");
        server.corrupt(d);
    }
}
