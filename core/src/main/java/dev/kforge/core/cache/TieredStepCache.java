package dev.kforge.core.cache;

import dev.kforge.core.digest.Digest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local cache in front of a remote one. Reads try local first, then remote (and keep what
 * they download locally); writes go to both unless the remote is read-only. A remote that fails
 * is reported once and then left alone for the rest of the run: the build goes on locally.
 */
public final class TieredStepCache implements StepCache {

    private static final Logger LOG = LoggerFactory.getLogger(TieredStepCache.class);

    private final LocalStepCache local;
    private final HttpStepCache remote;
    private final boolean upload;
    private final AtomicBoolean remoteUp = new AtomicBoolean(true);

    public TieredStepCache(LocalStepCache local, HttpStepCache remote, boolean upload) {
        this.local = local;
        this.remote = remote;
        this.upload = upload;
    }

    @Override
    public Optional<ActionEntry> lookup(Digest key) throws IOException {
        Optional<ActionEntry> l = local.lookup(key);
        if (l.isPresent() || !remoteUp.get()) {
            return l;
        }
        try {
            return remote.lookup(key);
        } catch (HttpStepCache.RemoteCacheException e) {
            down(e);
            return Optional.empty();
        }
    }

    @Override
    public void store(Digest key, SortedMap<String, Path> outputs, String result) throws IOException {
        local.store(key, outputs, result);
        if (upload && remoteUp.get()) {
            try {
                remote.store(key, outputs, result);
            } catch (HttpStepCache.RemoteCacheException e) {
                down(e);
            }
        }
    }

    @Override
    public boolean fetch(Digest digest, Path target) throws IOException {
        if (local.fetch(digest, target)) {
            return true;
        }
        if (!remoteUp.get()) {
            return false;
        }
        try {
            if (remote.fetch(digest, target)) {
                local.putBlob(digest, target);
                return true;
            }
            return false;
        } catch (HttpStepCache.RemoteCacheException e) {
            down(e);
            return false;
        }
    }

    /** Whether the remote answered throughout. */
    public boolean remoteHealthy() {
        return remoteUp.get();
    }

    private void down(IOException e) {
        if (remoteUp.compareAndSet(true, false)) {
            LOG.warn("{}; carrying on with the local cache only", e.getMessage());
        }
    }
}
