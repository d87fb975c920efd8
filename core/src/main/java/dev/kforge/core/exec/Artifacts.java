package dev.kforge.core.exec;

import java.util.Objects;
import java.util.Optional;

/**
 * What a step made that the reports read, typed: whether modpost checked the module's kernel
 * symbols, who signed the modules, what the guest kernel said about them.
 *
 * @param symbolsChecked for a module build: whether modpost checked every kernel symbol against a
 *     Module.symvers (false: the tree had none, the symbols are unchecked)
 * @param signer for a signature: the certificate's signer
 * @param kernelMessages for a test: the guest kernel's lines about the loaded modules
 */
public record Artifacts(Optional<Boolean> symbolsChecked, Optional<String> signer, String kernelMessages) {

    public static final Artifacts NONE = new Artifacts(Optional.empty(), Optional.empty(), "");

    public Artifacts {
        Objects.requireNonNull(symbolsChecked, "symbolsChecked");
        Objects.requireNonNull(signer, "signer");
        Objects.requireNonNull(kernelMessages, "kernelMessages");
    }

    public static Artifacts symbols(boolean checked) {
        return new Artifacts(Optional.of(checked), Optional.empty(), "");
    }

    public static Artifacts signedBy(String signer) {
        return new Artifacts(Optional.empty(), Optional.of(signer), "");
    }

    public static Artifacts kernelMessages(String messages) {
        return new Artifacts(Optional.empty(), Optional.empty(), messages);
    }

    /** {@code checked}, {@code unchecked}, or empty when the step built no module. */
    public String symbols() {
        return symbolsChecked.map(c -> c ? "checked" : "unchecked").orElse("");
    }
}
