package dev.kforge.cli;

import dev.kforge.core.KforgeException;
import dev.kforge.core.kernel.ModuleSigning;
import dev.kforge.kbuild.OpensslSigning;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "keygen", description = "Write a module signing key and certificate (openssl) and say how to enrol it.")
final class KeygenCommand implements Callable<Integer> {

    @ParentCommand
    KforgeCommand root;

    @Parameters(
            arity = "0..1",
            paramLabel = "DIR",
            defaultValue = "keys",
            description = "Where module.key, module.crt and module.der go (default: keys).")
    Path dir;

    @Option(names = "--type", defaultValue = "rsa", description = "rsa (default) or ecdsa.")
    String type;

    @Option(names = "--bits", defaultValue = "4096", description = "RSA key size (default: 4096).")
    int bits;

    @Option(
            names = "--cn",
            defaultValue = "kforge module signing key",
            description = "The certificate's common name: the signer modinfo shows.")
    String commonName;

    @Option(
            names = "--days",
            defaultValue = "36500",
            description = "How long the certificate is valid (default: 36500).")
    int days;

    @Option(names = "--force", description = "Replace an existing key.")
    boolean force;

    @Override
    public Integer call() {
        if (!type.equals("rsa") && !type.equals("ecdsa")) {
            throw KforgeException.userInput(
                    "--type must be rsa or ecdsa, not '" + type + "'", "omit --type for RSA 4096");
        }
        if (type.equals("rsa") && (bits < 2048 || bits > 16384)) {
            throw KforgeException.userInput(
                    "--bits must be between 2048 and 16384, not " + bits, "omit --bits for 4096");
        }
        if (days < 1 || commonName.isBlank()) {
            throw KforgeException.userInput("--days must be at least 1 and --cn not empty", "");
        }
        Path target = root.context.cwd().resolve(dir).normalize();
        if (Files.exists(target.resolve("module.key")) && !force) {
            throw KforgeException.userInput(
                    target.resolve("module.key") + " exists",
                    "pass --force to replace it (modules signed with the old key will no longer match its certificate)");
        }
        ModuleSigning.Certificate c = new OpensslSigning(root.context.runner(), root.context.env())
                .generate(target, new ModuleSigning.KeySpec(type, bits, commonName, days));
        var out = root.out();
        out.println(
                "wrote " + target.resolve("module.key") + " (private key, mode 0600: keep it out of version control), "
                        + target.resolve("module.crt") + " and " + target.resolve("module.der"));
        out.println(
                type.equals("rsa")
                        ? "RSA " + bits
                                + ": every kernel that checks module signatures verifies RSA, and RSA (PKCS#1 v1.5) signatures are "
                                + "deterministic, so a signed module is as reproducible as the unsigned one."
                        : "ECDSA P-384: the kernel verifies it only with CONFIG_MODULE_SIG_KEY_TYPE_ECDSA (5.13 and later), and ECDSA "
                                + "signatures differ on every signing: signed modules are not reproducible (kforge verify compares unsigned ones).");
        out.println("signer: " + c.signer() + ", certificate sha256: " + c.sha256());
        out.println();
        out.println("In kforge.toml:");
        out.println("  [signing]");
        out.println("  key = \"" + dir + "/module.key\"");
        out.println("  cert = \"" + dir + "/module.crt\"");
        out.println();
        out.println("To enrol it on a Secure Boot machine (shim's MOK list; confirm at the next boot):");
        out.println("  sudo mokutil --import " + target.resolve("module.der"));
        out.flush();
        return 0;
    }
}
