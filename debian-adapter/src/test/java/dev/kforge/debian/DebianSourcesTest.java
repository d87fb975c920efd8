package dev.kforge.debian;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.cache.CacheDirs;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.digest.InputLog;
import dev.kforge.core.exec.ProcessResult;
import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.KernelSources;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.SourcePos;
import dev.kforge.core.model.ToolchainFamily;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which linux-source a Debian kernel's Rust tree needs, and the refusal when the archive has another. */
class DebianSourcesTest {

    @TempDir
    Path dir;

    static KernelFacts headers(String version, Map<String, String> provenance) {
        return new KernelFacts(
                "k",
                KernelSource.Kind.HEADERS,
                version,
                Digest.of("h"),
                Optional.of("x86_64"),
                Optional.of(ToolchainFamily.GCC),
                Optional.of("7.3.4+deb13-amd64"),
                new TreeSet<>(),
                new TreeMap<>(),
                new TreeMap<>(),
                new TreeMap<>(),
                new TreeMap<>(provenance));
    }

    static final KernelSource KERNEL = KernelSource.distro(
            "k",
            KernelSource.Kind.DISTRO,
            "7.3.4+deb13",
            new SourcePos("kforge.toml", 1, 1),
            "debian",
            KernelSource.ModuleSig.DEFAULT);

    @Test
    void theHeadersPackageVersionNamesTheSource() {
        KernelFacts tree = headers(
                "7.3.4",
                Map.of(
                        "package:linux-headers-7.3.4+deb13-amd64:amd64", "7.3.4-1~bpo13+1 sha256:ab",
                        "package:linux-kbuild-7.3.4+deb13:amd64", "7.3.4-1~bpo13+1 sha256:cd"));
        assertThat(DebianSources.headersVersion(tree)).contains("7.3.4-1~bpo13+1");
        assertThat(DebianSources.headersVersion(headers("7.3.4", Map.of()))).isEmpty();
    }

    @Test
    void anArchiveThatHasMovedPastTheKernelsSourceIsARefusalNamingBothVersions() throws Exception {
        List<List<String>> asked = new ArrayList<>();
        ProcessRunner apt = spec -> {
            asked.add(spec.argv());
            String last = spec.argv().get(spec.argv().size() - 1);
            // The exact version is gone; the package itself has a newer one.
            String out = last.equals("linux-source-7.3")
                    ? "Package: linux-source-7.3\nVersion: 7.3.5-1~bpo13+1\nSHA256: 00ff\n"
                    : "";
            return new ProcessResult(out.isEmpty() ? 100 : 0, false, Duration.ZERO, out);
        };
        DebianArchive archive = new DebianArchive(new CacheDirs(dir.resolve("cache")), apt, new InputLog(), dir);
        KernelSources.Source s = new DebianSources(archive)
                .source(
                        KERNEL,
                        headers(
                                "7.3.4",
                                Map.of("package:linux-headers-7.3.4+deb13-amd64:amd64", "7.3.4-1~bpo13+1 sha256:ab")));
        assertThat(s.tarball()).isEmpty();
        assertThat(s.name()).isEqualTo("linux-source-7.3 7.3.4-1~bpo13+1");
        assertThat(s.missing().orElseThrow())
                .startsWith("apt has no linux-source-7.3 7.3.4-1~bpo13+1 (the version of the kernel's headers)")
                .contains("it has linux-source-7.3 7.3.5-1~bpo13+1")
                .contains("debian = \"latest\"");
        assertThat(asked.get(0)).endsWith("linux-source-7.3=7.3.4-1~bpo13+1");
    }
}
