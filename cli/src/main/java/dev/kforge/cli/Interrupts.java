package dev.kforge.cli;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Turns SIGINT and SIGTERM into an interrupt of the main thread, so the scheduler can kill every
 * child process tree and write what finished before kforge exits with 130 (SIGINT) or 143 (SIGTERM).
 */
final class Interrupts {

    private static final AtomicReference<Integer> SIGNAL_EXIT = new AtomicReference<>();

    private Interrupts() {}

    /**
     * sun.misc.Signal is reached by reflection: javac's warning for an internal API cannot be
     * suppressed, and the build treats warnings as errors.
     */
    static void install(Thread main) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Method handle = signal.getMethod("handle", signal, handler);
            for (String name : new String[] {"INT", "TERM"}) {
                int exit = name.equals("INT") ? 130 : 143;
                Object onSignal = Proxy.newProxyInstance(
                        handler.getClassLoader(), new Class<?>[] {handler}, (proxy, method, args) -> {
                            if (method.getName().equals("handle")) {
                                SIGNAL_EXIT.compareAndSet(null, exit);
                                main.interrupt();
                                return null;
                            }
                            return switch (method.getName()) {
                                case "equals" -> proxy == args[0];
                                case "hashCode" -> System.identityHashCode(proxy);
                                default -> "kforge SIG" + name + " handler";
                            };
                        });
                handle.invoke(null, signal.getConstructor(String.class).newInstance(name), onSignal);
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // Signals cannot be handled here: the JVM's default (exit at once) stays.
        }
    }

    /** The exit code a signal asked for, if one arrived. */
    static Optional<Integer> terminatedBy() {
        return Optional.ofNullable(SIGNAL_EXIT.get());
    }
}
