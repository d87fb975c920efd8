package dev.kforge.rust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kforge.core.KforgeException;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.exec.ProcessResult;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Step;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The C library check for cargo tool crates, on a file-system root of the test's own. */
class CrossLibcTest {

    @TempDir
    Path root;

    final Catalog catalog = Catalog.builtIn();

    @Test
    void hostAndForeignArchesLookInDebiansPlaces() throws Exception {
        CrossLibc libc = new CrossLibc(root, "amd64");
        var arm64 = catalog.requireArch("arm64");
        var x86 = catalog.requireArch("x86_64");
        assertThat(libc.libDir(arm64)).isEqualTo(root.resolve("usr/aarch64-linux-gnu/lib"));
        assertThat(libc.packageFor(arm64)).isEqualTo("libc6-dev-arm64-cross");
        assertThat(libc.libDir(x86)).isEqualTo(root.resolve("usr/lib/x86_64-linux-gnu"));
        assertThat(libc.packageFor(x86)).isEqualTo("libc6-dev");
        assertThat(libc.problem(arm64))
                .hasValueSatisfying(p -> assertThat(p)
                        .contains("Scrt1.o, crti.o, libc.so missing")
                        .endsWith("apt-get install libc6-dev-arm64-cross"));
        Files.createDirectories(libc.libDir(arm64));
        for (String f : CrossLibc.FILES) {
            Files.writeString(libc.libDir(arm64).resolve(f), "");
        }
        assertThat(libc.problem(arm64)).isEmpty();
    }

    /** Before: cargo ran and the link failed with "cannot find Scrt1.o". Now: no cargo, a reason and the package. */
    @Test
    void aToolStepWithoutTheCrossLibcFailsBeforeRunningCargoAndNamesThePackage() throws Exception {
        Path rustlib = Files.createDirectories(root.resolve("rustlib/aarch64-unknown-linux-gnu/lib"))
                .getParent()
                .getParent();
        Path cargo = Files.writeString(root.resolve("cargo"), "#!/bin/sh\n");
        cargo.toFile().setExecutable(true);
        AtomicInteger runs = new AtomicInteger();
        Roots roots = new Roots(root, root.resolve("out"), root.resolve("build"), root.resolve("trees"), Map.of(), 2);
        var executor = new CargoStepExecutor(
                roots,
                spec -> {
                    runs.incrementAndGet();
                    return new ProcessResult(0, false, Duration.ZERO, "");
                },
                catalog,
                rustlib,
                Optional.empty(),
                new CrossLibc(root, "amd64"));
        TreeMap<String, String> attrs = new TreeMap<>(Map.of(
                "arch",
                "arm64",
                "triple",
                "aarch64-unknown-linux-gnu",
                "targetDir",
                "${build}/t",
                "outDir",
                "${out}/o",
                "driver",
                "d",
                "crate",
                "tool",
                "role",
                "tool"));
        Step step = new Step(
                "cargo-tool/d/tool/k/arm64-gcc",
                Step.Kind.CARGO_TOOL,
                List.of(List.of(cargo.toString(), "build")),
                new TreeMap<>(),
                "${workspace}",
                List.of(),
                List.of(),
                List.of(),
                attrs);
        assertThatThrownBy(() -> executor.execute(step))
                .isInstanceOfSatisfying(
                        KforgeException.class, e -> assertThat(e.kind()).isEqualTo(KforgeException.Kind.ENVIRONMENT))
                .hasMessageContaining("no C library to link arm64 executables")
                .hasMessageContaining("apt-get install libc6-dev-arm64-cross");
        assertThat(runs).hasValue(0);
    }
}
