package dev.kforge.kbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kforge.core.KforgeException;
import dev.kforge.core.cache.CacheDirs;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.exec.ProcessResult;
import dev.kforge.core.exec.ProcessSpec;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.SourcePos;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kernel inspection with tar faked at the process-runner port. */
class KbuildKernelInspectorTest {

    @TempDir
    Path dir;

    @Test
    void aTarballExtractionThatHangsIsStoppedAndNothingHalfExtractedStays() throws Exception {
        Path tarball = Files.writeString(dir.resolve("linux-source-9.9.tar.xz"), "not really a tarball");
        CacheDirs cache = new CacheDirs(dir.resolve("cache"));
        List<ProcessSpec> seen = new ArrayList<>();
        var inspector = new KbuildKernelInspector(
                cache,
                spec -> {
                    seen.add(spec);
                    return new ProcessResult(-1, true, KbuildKernelInspector.EXTRACT_TIMEOUT, "");
                },
                Catalog.builtIn());
        KernelSource k = new KernelSource(
                "k",
                KernelSource.Kind.SOURCE,
                tarball.toString(),
                Optional.empty(),
                List.of(),
                new SourcePos("kforge.toml", 1, 1));

        assertThatThrownBy(() -> inspector.inspect(k, dir))
                .isInstanceOfSatisfying(
                        KforgeException.class, e -> assertThat(e.kind()).isEqualTo(KforgeException.Kind.ENVIRONMENT))
                .hasMessageContaining("extracting " + tarball + " took longer than 10 minutes");
        assertThat(seen).singleElement().satisfies(s -> {
            assertThat(s.argv()).startsWith("tar", "-xf", tarball.toString());
            assertThat(s.timeout()).contains(KbuildKernelInspector.EXTRACT_TIMEOUT);
        });
        try (var s = Files.list(cache.sources())) {
            assertThat(s.toList()).isEmpty();
        }
    }

    @Test
    void anEmptyDirectoryIsNotAKernelSourceTreeAndSaysSo() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        var inspector = new KbuildKernelInspector(
                new CacheDirs(dir.resolve("cache")),
                spec -> {
                    throw new AssertionError("nothing to run: " + spec.argv());
                },
                Catalog.builtIn());
        KernelSource k = new KernelSource(
                "k",
                KernelSource.Kind.SOURCE,
                empty.toString(),
                Optional.empty(),
                List.of(),
                new SourcePos("kforge.toml", 1, 1));
        assertThatThrownBy(() -> inspector.inspect(k, dir))
                .isInstanceOfSatisfying(KforgeException.class, e -> {
                    assertThat(e.kind()).isEqualTo(KforgeException.Kind.ENVIRONMENT);
                    assertThat(e.kind().exitCode()).isEqualTo(3);
                })
                .hasMessage("kernel 'k': " + empty + " is not a kernel source tree (no top-level Makefile and arch/)");
    }
}
