package dev.kforge.core.exec;

import java.util.List;
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
 * @param files for a package: the files it wrote, relative to out/, sorted
 */
public record Artifacts(
        Optional<Boolean> symbolsChecked, Optional<String> signer, String kernelMessages, List<String> files) {

    public static final Artifacts NONE = new Artifacts(Optional.empty(), Optional.empty(), "");

    public Artifacts(Optional<Boolean> symbolsChecked, Optional<String> signer, String kernelMessages) {
        this(symbolsChecked, signer, kernelMessages, List.of());
    }

    public Artifacts {
        Objects.requireNonNull(symbolsChecked, "symbolsChecked");
        Objects.requireNonNull(signer, "signer");
        Objects.requireNonNull(kernelMessages, "kernelMessages");
        files = files.stream().sorted().toList();
    }

    /** A package's files, relative to out/. */
    public static Artifacts files(List<String> written) {
        return new Artifacts(Optional.empty(), Optional.empty(), "", written);
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
