package dev.kforge.core.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An exclusive lock that works across processes (an OS file lock) and across threads of this
 * process (a lock per path, since the OS lock is held per JVM). Released by {@link #close}.
 */
public final class FileLock implements AutoCloseable {

    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private final ReentrantLock local;
    private final FileChannel channel;
    private final java.nio.channels.FileLock lock;

    private FileLock(ReentrantLock local, FileChannel channel, java.nio.channels.FileLock lock) {
        this.local = local;
        this.channel = channel;
        this.lock = lock;
    }

    /** Blocks until the lock on {@code file} is held; the file is created if needed. */
    public static FileLock acquire(Path file) throws InterruptedException {
        Path key = file.toAbsolutePath().normalize();
        ReentrantLock local = IN_PROCESS.computeIfAbsent(key, k -> new ReentrantLock());
        local.lockInterruptibly();
        try {
            Files.createDirectories(key.getParent());
            FileChannel ch = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                while (true) {
                    java.nio.channels.FileLock l;
                    try {
                        l = ch.tryLock();
                    } catch (OverlappingFileLockException e) {
                        l = null;
                    }
                    if (l != null) {
                        return new FileLock(local, ch, l);
                    }
                    TimeUnit.MILLISECONDS.sleep(100);
                }
            } catch (InterruptedException | RuntimeException e) {
                ch.close();
                throw e;
            }
        } catch (IOException e) {
            local.unlock();
            throw new UncheckedIOException("cannot lock " + key, e);
        } catch (InterruptedException | RuntimeException e) {
            local.unlock();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            local.unlock();
        }
    }
}
