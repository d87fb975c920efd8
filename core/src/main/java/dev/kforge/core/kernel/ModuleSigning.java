package dev.kforge.core.kernel;

import dev.kforge.core.KforgeException;
import dev.kforge.core.model.SigningKey;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Step;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Port: what kforge checks of a signing key and certificate before it builds anything, so a key
 * that cannot sign fails the run at once (exit 2 or 3, with the reason) instead of after the
 * builds, and what it records of the certificate.
 */
public interface ModuleSigning {

    /**
     * Checks that the key can be read (a passphrase-protected key needs KBUILD_SIGN_PIN) and
     * belongs to the certificate.
     *
     * @throws KforgeException a user-input error naming the problem, never the key's path
     */
    Certificate check(SigningKey key, Path cert);

    /**
     * Before anything is built: {@link #check} for the certificate the signing steps name, and
     * every kernel tree they sign on has what signing needs.
     *
     * @param signSteps the run's signing steps (planned by the same adapter)
     * @throws KforgeException what is wrong and how to fix it
     */
    void preflight(SigningKey key, List<Step> signSteps, Roots roots);

    /**
     * Writes a new key ({@code module.key}, mode 0600), its self-signed certificate
     * ({@code module.crt}, PEM, for [signing] and CONFIG_SYSTEM_TRUSTED_KEYS) and the same
     * certificate in DER ({@code module.der}, what {@code mokutil --import} takes) into {@code dir},
     * each written next to its place and renamed in.
     */
    Certificate generate(Path dir, KeySpec spec);

    /**
     * What key to make.
     *
     * @param type {@code rsa} or {@code ecdsa}
     * @param bits RSA modulus size (ignored for ECDSA, which uses P-384 as the kernel's own does)
     * @param commonName the certificate's CN: the signer modinfo shows
     * @param days how long the certificate is valid
     */
    record KeySpec(String type, int bits, String commonName, int days) {
        public KeySpec {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(commonName, "commonName");
        }
    }

    /**
     * The facts of a certificate that reports record.
     *
     * @param sha256 the SHA-256 fingerprint of its DER encoding, lower-case hex
     * @param signer its subject's common name (what {@code modinfo -F signer} shows), else the whole subject
     */
    record Certificate(String sha256, String signer) {
        public Certificate {
            Objects.requireNonNull(sha256, "sha256");
            Objects.requireNonNull(signer, "signer");
        }
    }
}
