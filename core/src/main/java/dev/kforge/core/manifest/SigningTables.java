package dev.kforge.core.manifest;

import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.Signing;
import java.util.Optional;
import java.util.Set;

/** {@code [signing]} and the module-signing keys of a {@code [[kernel]]}; see docs/manifest.md. */
final class SigningTables {

    static final Set<String> SIGNING = Set.of("key", "key-env", "cert");

    /** The keys of {@code [[kernel]]} that this class reads. */
    static final Set<String> KERNEL = Set.of("sign", "module_sig_force", "system_trusted_keys");

    private SigningTables() {}

    static Optional<Signing> signing(TableReader top) {
        Optional<TableReader> table = top.table("signing");
        if (table.isEmpty()) {
            return Optional.empty();
        }
        TableReader t = table.get();
        t.onlyKeys(SIGNING);
        boolean key = t.has("key");
        boolean env = t.has("key-env");
        if (key == env) {
            throw new ManifestException(
                    t.pos(),
                    "[signing] needs exactly one of 'key' and 'key-env'",
                    "key = \"keys/module.key\" (kforge keygen writes one), key = \"pkcs11:...\" for a token, or "
                            + "key-env = \"KFORGE_SIGNING_KEY\" for a variable that holds the key's path (CI secrets)");
        }
        if (!t.has("cert")) {
            throw new ManifestException(
                    t.pos(),
                    "[signing] needs 'cert', the X.509 certificate of the key",
                    "cert = \"keys/module.crt\" (kforge keygen writes one)");
        }
        String cert = ManifestRefs.relativePath(t, "cert", t.string("cert"));
        Optional<String> keyValue = key ? Optional.of(t.string("key")) : Optional.empty();
        Optional<String> keyEnv = env ? Optional.of(t.string("key-env")) : Optional.empty();
        if (keyValue.filter(String::isBlank).isPresent()) {
            throw new ManifestException(t.posOf("key"), "[signing] key is empty", "name the key file or a pkcs11: URI");
        }
        if (keyEnv.isPresent() && !keyEnv.get().matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new ManifestException(
                    t.posOf("key-env"),
                    "'" + keyEnv.get() + "' is not an environment variable name",
                    "e.g. key-env = \"KFORGE_SIGNING_KEY\"");
        }
        return Optional.of(new Signing(keyValue, keyEnv, cert, t.pos(), t.posOf(key ? "key" : "key-env")));
    }

    static KernelSource.ModuleSig kernel(TableReader t, String name, boolean source) {
        boolean sign = t.optBoolean("sign").orElse(true);
        boolean force = t.optBoolean("module_sig_force").orElse(false);
        Optional<String> trusted = t.optString("system_trusted_keys");
        for (String k : new String[] {"module_sig_force", "system_trusted_keys"}) {
            if (t.has(k) && !source) {
                throw new ManifestException(
                        t.posOf(k),
                        "kernel '" + name + "': " + k + " applies to source kernels",
                        "kforge configures only the kernels it builds; a prebuilt kernel's signature policy is its own");
            }
        }
        return new KernelSource.ModuleSig(
                sign, force, trusted.map(p -> ManifestRefs.relativePath(t, "system_trusted_keys", p)));
    }
}
