package dev.kforge.core.model;

import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A compiler toolchain as Kbuild selects it.
 *
 * @param key the kforge name (gcc, llvm)
 * @param family the compiler family
 * @param makeVariables variables passed to every make (LLVM=1)
 * @param usesCrossCompile whether CROSS_COMPILE selects the compiler (gcc) or ARCH does (LLVM=1)
 * @param compiler the compiler program, appended to CROSS_COMPILE when {@code usesCrossCompile}
 * @param packages the Debian packages that provide it
 * @param aliases other names users write (clang)
 */
public record Toolchain(
        String key,
        ToolchainFamily family,
        SortedMap<String, String> makeVariables,
        boolean usesCrossCompile,
        String compiler,
        List<String> packages,
        List<String> aliases) {

    public Toolchain {
        Names.require("toolchain key", key);
        Objects.requireNonNull(family, "family");
        makeVariables = Collections.unmodifiableSortedMap(new TreeMap<>(makeVariables));
        Objects.requireNonNull(compiler, "compiler");
        packages = List.copyOf(packages);
        aliases = List.copyOf(aliases);
    }
}
