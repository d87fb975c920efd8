package dev.kforge.core.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.digest.Digest;
import java.nio.file.Path;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LookupOnceCacheTest {

    /** A cache another process fills: counts lookups, answers from what was stored behind our back. */
    static final class Shared implements StepCache {
        final AtomicInteger lookups = new AtomicInteger();
        Optional<ActionEntry> entry = Optional.empty();

        @Override
        public Optional<ActionEntry> lookup(Digest key) {
            lookups.incrementAndGet();
            return entry;
        }

        @Override
        public void store(Digest key, SortedMap<String, Path> outputs, String result) {}

        @Override
        public boolean fetch(Digest digest, Path target) {
            return false;
        }
    }

    @Test
    void aHitIsAskedOnceAMissAgainSoAnotherProcesssStoreIsSeen() throws Exception {
        Shared shared = new Shared();
        LookupOnceCache cache = new LookupOnceCache(shared);
        Digest key = Digest.of("step");
        assertThat(cache.lookup(key)).isEmpty();
        // Another kforge process builds the step and stores it while this one waits for the step's lock.
        shared.entry = Optional.of(new StepCache.ActionEntry(key, new TreeMap<>(), "{}"));
        assertThat(cache.lookup(key)).isPresent();
        assertThat(cache.lookup(key)).isPresent();
        assertThat(shared.lookups).hasValue(2);
    }
}
