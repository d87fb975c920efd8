package dev.kforge.core.model;

import java.util.Objects;

/**
 * The private key modules are signed with, resolved for one run: a file's absolute path or a
 * {@code pkcs11:} URI. A secret: it reaches only the sign-file process (through its environment),
 * never a plan, key, log, report or cache; {@link #toString} names where it came from instead.
 *
 * @param spec the absolute path or the URI
 * @param origin how messages name it ({@link Signing#keyOrigin()})
 */
public record SigningKey(String spec, String origin) {

    public SigningKey {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(origin, "origin");
    }

    public boolean pkcs11() {
        return spec.startsWith("pkcs11:");
    }

    @Override
    public String toString() {
        return "SigningKey[" + origin + "]";
    }
}
