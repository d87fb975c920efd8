package dev.kforge.core.model;

import dev.kforge.core.KforgeException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code [signing]}: the key and certificate every built module is signed with (the kernel's
 * {@code scripts/sign-file}, after the build, on a copy). The key is a secret: this value holds
 * only where it comes from, and {@link #toString} names that place, never the key's path.
 *
 * @param key where the private key is: a path relative to the workspace (or absolute), or a
 *     {@code pkcs11:} URI; empty when {@code keyEnv} names it
 * @param keyEnv an environment variable holding the key's path or {@code pkcs11:} URI (CI secrets)
 * @param cert the X.509 certificate (PEM or DER), relative to the workspace or absolute; not secret
 * @param pos where {@code [signing]} was declared
 * @param keyPos where the key (or the variable naming it) was written, for error messages
 */
public record Signing(Optional<String> key, Optional<String> keyEnv, String cert, SourcePos pos, SourcePos keyPos) {

    public Signing {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(keyEnv, "keyEnv");
        Objects.requireNonNull(cert, "cert");
        Objects.requireNonNull(pos, "pos");
        Objects.requireNonNull(keyPos, "keyPos");
        if (key.isPresent() == keyEnv.isPresent()) {
            throw new IllegalArgumentException("exactly one of key and keyEnv");
        }
    }

    /** How messages name the key without showing it: its place in the manifest (and the variable). */
    public String keyOrigin() {
        return keyPos + ": [signing] " + keyEnv.map(v -> "key-env $" + v).orElse("key");
    }

    /**
     * The key for this run: the path (relative to {@code workspace} unless absolute) or pkcs11: URI
     * from the manifest, or from the variable {@link #keyEnv} names.
     */
    public SigningKey resolve(Map<String, String> env, Path workspace) {
        String spec = key.orElseGet(() -> env.get(keyEnv.orElseThrow()));
        if (spec == null || spec.isBlank()) {
            throw KforgeException.userInput(
                    keyOrigin() + " is not set",
                    "set it to the key's path (or a pkcs11: URI), e.g. from a CI secret file");
        }
        if (spec.startsWith("pkcs11:")) {
            return new SigningKey(spec, keyOrigin());
        }
        return new SigningKey(
                workspace.resolve(spec).toAbsolutePath().normalize().toString(), keyOrigin());
    }

    @Override
    public String toString() {
        return "Signing[" + keyOrigin() + ", cert=" + cert + "]";
    }
}
