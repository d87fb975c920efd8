package dev.kforge.cli;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Turns SIGINT and SIGTERM into an interrupt of the main thread, so the scheduler can kill every
 * child process tree and write what finished before kforge exits with 130 (SIGINT) or 143 (SIGTERM).
 */
final class Interrupts {

    private static final AtomicReference<Integer> SIGNAL_EXIT = new AtomicReference<>();

    private Interrupts() {}

    @SuppressWarnings("removal")
    static void install(Thread main) {
        try {
            for (String name : new String[] {"INT", "TERM"}) {
                int exit = name.equals("INT") ? 130 : 143;
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
                    SIGNAL_EXIT.compareAndSet(null, exit);
                    main.interrupt();
                });
            }
        } catch (Throwable e) {
            // Signals cannot be handled here: the JVM's default (exit at once) stays.
        }
    }

    /** The exit code a signal asked for, if one arrived. */
    static Optional<Integer> terminatedBy() {
        return Optional.ofNullable(SIGNAL_EXIT.get());
    }
}
