package dev.kforge.core.model;

import java.util.List;
import java.util.Objects;

/**
 * One {@code [[matrix]]} table: the product kernels x arches x toolchains, less its excludes, for
 * the drivers it names (all when {@code drivers} is empty). Several matrices are united.
 */
public record MatrixSpec(
        List<String> drivers,
        List<String> kernels,
        List<String> arches,
        List<String> toolchains,
        List<Exclude> excludes,
        SourcePos pos) {

    public MatrixSpec {
        drivers = List.copyOf(drivers);
        kernels = List.copyOf(kernels);
        arches = List.copyOf(arches);
        toolchains = List.copyOf(toolchains);
        excludes = List.copyOf(excludes);
        Objects.requireNonNull(pos, "pos");
    }

    /** Excludes every target matching all of the given fields; an empty field matches anything. */
    public record Exclude(String kernel, String arch, String toolchain, SourcePos pos) {

        public Exclude {
            Objects.requireNonNull(kernel, "kernel");
            Objects.requireNonNull(arch, "arch");
            Objects.requireNonNull(toolchain, "toolchain");
            Objects.requireNonNull(pos, "pos");
        }

        public boolean matches(Target t) {
            return (kernel.isEmpty() || kernel.equals(t.kernel()))
                    && (arch.isEmpty() || arch.equals(t.arch()))
                    && (toolchain.isEmpty() || toolchain.equals(t.toolchain()));
        }
    }
}
