package dev.kforge.kbuild;

import dev.kforge.core.kernel.RustTools;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.Toolchain;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The make variables every Kbuild invocation of a target carries. The O= tree does not remember
 * ARCH, CROSS_COMPILE or LLVM: every make on a tree must get exactly the same ones.
 */
final class KbuildArgs {

    private KbuildArgs() {}

    static List<String> make(
            String src, Optional<String> tree, Architecture arch, Toolchain tc, Optional<RustTools> rust) {
        List<String> argv = new ArrayList<>(List.of("make", "-C", src));
        tree.ifPresent(t -> argv.add("O=" + t));
        argv.add("ARCH=" + arch.kernelArch());
        if (tc.usesCrossCompile()) {
            argv.add("CROSS_COMPILE=" + arch.crossCompile());
        }
        tc.makeVariables().forEach((k, v) -> argv.add(k + "=" + v));
        // A make on a Rust tree without these re-runs Kconfig with whatever rustc is on PATH and
        // silently drops CONFIG_RUST; HOSTRUSTC builds the macros crate.
        rust.ifPresent(r -> {
            argv.add("RUSTC=" + r.rustc());
            argv.add("HOSTRUSTC=" + r.rustc());
            argv.add("BINDGEN=" + r.bindgen());
            argv.add("RUST_LIB_SRC=" + r.rustLibSrc());
        });
        return argv;
    }

    /**
     * Environment for tree steps: {@link #env()} plus a fixed build time. It does not change a .ko
     * (KERNEL-FACTS) but does change generated headers, so trees get it and module steps do not,
     * which keeps module cache keys stable across commits.
     */
    static SortedMap<String, String> treeEnv(long sourceDateEpoch) {
        SortedMap<String, String> env = env();
        env.put("SOURCE_DATE_EPOCH", Long.toString(sourceDateEpoch));
        env.put("KBUILD_BUILD_TIMESTAMP", timestamp(sourceDateEpoch));
        return env;
    }

    /**
     * Environment for module builds: {@link #env()} and a build time that never changes. A module does
     * not carry the build time, but Kbuild reads "KBUILD_BUILD_TIMESTAMP is set" as "a reproducible build
     * is wanted": pahole then generates a module's BTF without -j, or from pahole 1.27 with
     * {@code --btf_features=+reproducible_build}; unset, parallel pahole made two builds of one module
     * differ in their .BTF (seen on Debian's 6.12 and 7.3 kernels). A constant keeps module keys stable
     * across commits.
     */
    static SortedMap<String, String> moduleEnv() {
        SortedMap<String, String> env = env();
        env.put("KBUILD_BUILD_TIMESTAMP", timestamp(0));
        return env;
    }

    private static String timestamp(long epochSeconds) {
        return DateTimeFormatter.ofPattern("EEE MMM d HH:mm:ss 'UTC' yyyy", Locale.ROOT)
                .format(Instant.ofEpochSecond(epochSeconds).atZone(ZoneOffset.UTC));
    }

    /** Environment for every kernel step: stable locale and time zone, neutral build identity. */
    static SortedMap<String, String> env() {
        SortedMap<String, String> env = new TreeMap<>();
        env.put("KBUILD_BUILD_HOST", "kforge");
        env.put("KBUILD_BUILD_USER", "kforge");
        env.put("LC_ALL", "C");
        env.put("TZ", "UTC");
        return env;
    }
}
