package dev.kforge.kbuild;

import dev.kforge.core.KforgeException;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.kernel.ModuleSigning;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/** A module signing certificate: read (PEM or DER), and what reports record of it. */
final class Certificates {

    private Certificates() {}

    static X509Certificate read(Path cert) {
        if (!Files.isRegularFile(cert)) {
            throw KforgeException.userInput(
                    "certificate " + cert + " does not exist",
                    "generate a key and certificate with kforge keygen, or fix [signing] cert");
        }
        try (InputStream in = Files.newInputStream(cert)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException | CertificateException | ClassCastException e) {
            throw KforgeException.userInput(
                    "certificate " + cert + " is not an X.509 certificate (PEM or DER)",
                    "name the certificate (.crt, .pem or .der) that goes with the key");
        }
    }

    /** The fingerprint (SHA-256 of the DER encoding) and signer of a certificate. */
    static ModuleSigning.Certificate facts(X509Certificate x509) {
        try {
            return new ModuleSigning.Certificate(Digest.of(x509.getEncoded()).hex(), signer(x509));
        } catch (CertificateException e) {
            throw KforgeException.userInput(
                    "certificate " + x509.getSubjectX500Principal() + " cannot be encoded: " + e.getMessage(), "");
        }
    }

    static String signer(X509Certificate x509) {
        try {
            for (Rdn rdn : new LdapName(x509.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    return String.valueOf(rdn.getValue());
                }
            }
        } catch (InvalidNameException e) {
            // fall through to the whole subject
        }
        return x509.getSubjectX500Principal().getName();
    }
}
