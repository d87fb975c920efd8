package dev.kforge.core.cache;

import dev.kforge.core.digest.Digest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One run's view of a step cache in which each key is looked up once: the planner's check for
 * needless tree steps and the step's own restore share the answer (a local entry is a file read
 * and a JSON parse, a remote one an HTTP round trip). Only hits are remembered: a miss is asked
 * again, since another kforge process building the same workspace may store the entry meanwhile (the
 * step waits for that process's lock, then must find what it stored). A store forgets the key's answer.
 */
public final class LookupOnceCache implements StepCache {

    private final StepCache delegate;
    private final Map<Digest, Optional<ActionEntry>> answers = new ConcurrentHashMap<>();

    public LookupOnceCache(StepCache delegate) {
        this.delegate = delegate;
    }

    @Override
    public Optional<ActionEntry> lookup(Digest key) throws IOException {
        Optional<ActionEntry> known = answers.get(key);
        if (known != null) {
            return known;
        }
        Optional<ActionEntry> answer = delegate.lookup(key);
        if (answer.isPresent()) {
            answers.put(key, answer);
        }
        return answer;
    }

    @Override
    public void store(Digest key, SortedMap<String, Path> outputs, String result) throws IOException {
        answers.remove(key);
        delegate.store(key, outputs, result);
    }

    @Override
    public boolean fetch(Digest digest, Path target) throws IOException {
        return delegate.fetch(digest, target);
    }
}
