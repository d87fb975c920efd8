package dev.kforge.core.model;

import java.util.Objects;
import java.util.Optional;

/**
 * How {@code kforge test} exercises a driver once its modules are loaded into a booted kernel
 * ({@code [driver.test]} in the manifest).
 *
 * @param script workspace-relative shell script run by the guest's busybox sh after loading, in
 *     the directory that holds it; a non-zero exit fails the cell
 * @param params module parameters given to insmod for each of the driver's modules ({@code debug=1})
 * @param timeoutSeconds the limit for one boot, load, script and unload; the guest is killed after it
 */
public record DriverTest(Optional<String> script, String params, long timeoutSeconds) {

    /** The limit for one test VM when the manifest names none. */
    public static final long DEFAULT_TIMEOUT_SECONDS = 120;

    /** A driver without {@code [driver.test]}: loaded and unloaded, no script, the default timeout. */
    public static final DriverTest DEFAULT = new DriverTest(Optional.empty(), "", DEFAULT_TIMEOUT_SECONDS);

    public DriverTest {
        Objects.requireNonNull(script, "script");
        Objects.requireNonNull(params, "params");
        if (timeoutSeconds < 1) {
            throw new IllegalArgumentException("test timeout must be at least 1 second");
        }
    }
}
