package dev.kforge.debian;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kforge.core.KforgeException;
import dev.kforge.core.cache.CacheDirs;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.digest.InputLog;
import dev.kforge.core.exec.LocalProcessRunner;
import dev.kforge.core.exec.ProcessResult;
import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.SourcePos;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Debian's own tools on real files: a damaged local .deb. */
class DebianArchiveTest {

    @TempDir
    Path dir;

    @Test
    void aTruncatedLocalDebSaysSoInWholeLinesWithAHintAboutTheFileNotTheNetwork() throws Exception {
        Path pkg = dir.resolve("pkg");
        Files.createDirectories(pkg.resolve("DEBIAN"));
        Files.createDirectories(pkg.resolve("usr/share/kforge"));
        Files.writeString(
                pkg.resolve("DEBIAN/control"),
                "Package: kforge-probe\nVersion: 1\nArchitecture: all\nMaintainer: kforge <k@example.org>\n"
                        + "Description: a probe\n");
        // Incompressible content, so cutting the file cuts the data member.
        byte[] noise = new byte[400_000];
        new Random(7).nextBytes(noise);
        Files.write(pkg.resolve("usr/share/kforge/noise"), noise);
        Path deb = dir.resolve("probe.deb");
        Process build = new ProcessBuilder("dpkg-deb", "--build", "-Zgzip", pkg.toString(), deb.toString())
                .redirectErrorStream(true)
                .start();
        assertThat(build.waitFor()).isZero();
        byte[] whole = Files.readAllBytes(deb);
        Files.write(deb, Arrays.copyOf(whole, whole.length / 2));

        DebianArchive archive = new DebianArchive(
                new CacheDirs(dir.resolve("cache")), new LocalProcessRunner(), new InputLog(), dir.resolve("lists"));
        KernelSource k = KernelSource.distro(
                "k",
                KernelSource.Kind.DISTRO_PACKAGE,
                deb.toString(),
                new SourcePos("kforge.toml", 1, 1),
                "debian",
                KernelSource.ModuleSig.DEFAULT);
        assertThatThrownBy(() -> archive.run(k, List.of("dpkg-deb", "-x", deb.toString(), "out"), dir))
                .isInstanceOfSatisfying(KforgeException.class, e -> {
                    assertThat(e.hint())
                            .startsWith("the .deb is damaged or incomplete")
                            .doesNotContain("network");
                    String said = e.getMessage().substring(e.getMessage().indexOf(" failed: ") + " failed: ".length());
                    assertThat(said.lines())
                            .allMatch(l -> l.startsWith("dpkg-deb") || l.startsWith("tar") || l.startsWith("gzip"));
                });
    }

    @Test
    void lastLinesKeepsWholeLines() {
        String out = "x".repeat(300) + " first\n" + "y".repeat(300) + " second\nthird\n";
        assertThat(DebianArchive.lastLines(out)).isEqualTo("y".repeat(300) + " second\nthird");
    }

    @Test
    void theAbisASuiteServesAreRememberedUntilItsListsChange() throws Exception {
        Path lists = Files.createDirectories(dir.resolve("lists"));
        List<List<String>> ran = new ArrayList<>();
        ProcessRunner apt = spec -> {
            ran.add(spec.argv());
            return new ProcessResult(
                    0,
                    false,
                    Duration.ZERO,
                    "linux-headers-7.3.4+deb13-amd64 - Header files\n"
                            + "linux-headers-6.16.3+deb13-amd64 - Header files\n");
        };
        CacheDirs cache = new CacheDirs(dir.resolve("cache"));
        var x86 = Catalog.builtIn().requireArch("x86_64");

        assertThat(new DebianArchive(cache, apt, new InputLog(), lists).abis(x86))
                .containsExactly("6.16.3+deb13", "7.3.4+deb13");
        assertThat(ran).hasSize(1);
        // Another run (a new instance): apt is not asked while the lists are unchanged.
        assertThat(new DebianArchive(cache, apt, new InputLog(), lists).abis(x86))
                .containsExactly("6.16.3+deb13", "7.3.4+deb13");
        assertThat(ran).hasSize(1);
        // apt-get update brought new lists: asked again.
        Files.setLastModifiedTime(
                lists, FileTime.fromMillis(Files.getLastModifiedTime(lists).toMillis() + 5000));
        new DebianArchive(cache, apt, new InputLog(), lists).abis(x86);
        assertThat(ran).hasSize(2);
        assertThat(ran.get(1)).contains("apt-cache", "search");
    }
}
