package dev.kforge.core.plan;

import dev.kforge.core.kernel.DistroRust;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.Driver;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.Language;
import dev.kforge.core.model.Toolchain;
import dev.kforge.core.model.Workspace;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Why a target or a cell cannot be built, in words a user acts on; empty when it can. */
final class SkipRules {

    private SkipRules() {}

    static Optional<String> target(KernelFacts f, Architecture arch, Toolchain tc) {
        if (f.kind() != KernelSource.Kind.HEADERS) {
            return Optional.empty();
        }
        String treeArch = f.headersArch().orElseThrow();
        if (!treeArch.equals(arch.key())) {
            return Optional.of("headers tree '" + f.name() + "' is configured for " + treeArch
                    + " only; use a source kernel to build for " + arch.key());
        }
        if (f.headersFamily().orElseThrow() != tc.family()) {
            return Optional.of("headers tree '" + f.name() + "' was built with "
                    + f.headersFamily().orElseThrow().name().toLowerCase(Locale.ROOT)
                    + "; modules must use the same compiler family, not " + tc.key());
        }
        return Optional.empty();
    }

    /**
     * Why a Rust driver cannot be built for one architecture of a distribution kernel: the kernel is
     * built without Rust, or its Rust tree was refused while planning (no source of that version, no
     * rustc whose version text equals the kernel's).
     */
    static Optional<String> distroRust(Driver d, KernelSource kernel, KernelFacts tree, DistroRust rust) {
        if (d.language() != Language.RUST || kernel.kind() != KernelSource.Kind.DISTRO) {
            return Optional.empty();
        }
        if (!"y".equals(tree.config().get("CONFIG_RUST"))) {
            return Optional.of(
                    "kernel '" + kernel.name() + "' (" + tree.release().orElse(tree.version())
                            + ") is built without Rust (CONFIG_RUST unset), so it loads no Rust module; Rust drivers need a "
                            + "kernel built with it (Debian's from 7.2: sid, trixie-backports) or a source kernel");
        }
        return Optional.ofNullable(rust.refused().get(kernel.name()));
    }

    static Optional<String> driver(
            Driver d, KernelFacts f, Architecture arch, Toolchain tc, Map<String, String> built, Workspace ws) {
        if (!d.arches().isEmpty() && !d.arches().contains(arch.key())) {
            return Optional.of("driver '" + d.name() + "' is restricted to " + String.join(", ", d.arches()));
        }
        if (d.language() == Language.RUST) {
            if (f.kind() == KernelSource.Kind.HEADERS && !"y".equals(f.config().get("CONFIG_RUST"))) {
                return Optional.of("headers tree '" + f.name() + "' has CONFIG_RUST unset; Rust modules need a "
                        + "source kernel that kforge configures with CONFIG_RUST=y");
            }
            if (!f.rustArches().contains(arch.kernelArch())) {
                return Optional.of("kernel " + f.version() + " has no HAVE_RUST for " + arch.key() + " (arch/"
                        + arch.srcArch() + "/Kconfig does not select it)");
            }
        }
        if (f.kind() == KernelSource.Kind.HEADERS) {
            List<String> missing = ConfigCheck.missing(f.config(), d.requires());
            if (!missing.isEmpty()) {
                return Optional.of("kernel '" + f.name() + "' lacks " + String.join(", ", missing));
            }
        }
        for (String dep : d.dependsOn()) {
            if (!built.containsKey(dep)) {
                return Optional.of("depends on '" + dep + "', which is skipped for this target");
            }
        }
        return Optional.empty();
    }
}
