package dev.kforge.pkg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The .deb kforge writes, read back by Debian's own dpkg-deb. */
class DebWriterTest {

    @TempDir
    Path dir;

    static DebPackage pkg(long mtime) {
        return new DebPackage(
                "kf-core-modules-7.3.4-deb13-amd64",
                "1.2+7.3.4-deb13",
                "amd64",
                "kforge examples <kforge@example.org>",
                List.of("kf_core for Linux 7.3.4+deb13-amd64", "Built by kforge.", "", "Loaded with modprobe kf_core."),
                List.of("linux-image-7.3.4+deb13-amd64 | linux-modules-7.3.4+deb13-amd64"),
                new TreeMap<>(Map.of("postinst", "#!/bin/sh\nset -e\ndepmod 7.3.4+deb13-amd64\n")),
                new TreeMap<>(Map.of(
                        "/lib/modules/7.3.4+deb13-amd64/updates/kf_core/kf_core.ko",
                        new DebPackage.File("not really ELF".getBytes(StandardCharsets.UTF_8), 0644))),
                mtime);
    }

    static String run(Path cwd, String... argv) throws Exception {
        Process p = new ProcessBuilder(argv)
                .directory(cwd.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", argv) + "\n" + out).isZero();
        return out;
    }

    @Test
    void dpkgDebReadsItsControlContentsAndFiles() throws Exception {
        Path deb = dir.resolve("a.deb");
        DebWriter.write(pkg(1700000000L), deb);
        String info = run(dir, "dpkg-deb", "--info", deb.toString());
        assertThat(info)
                .contains(" Package: kf-core-modules-7.3.4-deb13-amd64")
                .contains(" Version: 1.2+7.3.4-deb13")
                .contains(" Architecture: amd64")
                .contains(" Depends: linux-image-7.3.4+deb13-amd64 | linux-modules-7.3.4+deb13-amd64")
                .contains(" Installed-Size: 1")
                .contains(" Description: kf_core for Linux 7.3.4+deb13-amd64")
                .contains("  Built by kforge.\n  .\n  Loaded with modprobe kf_core.")
                .containsPattern("\\d+ bytes, +3 lines +\\* +postinst +#!/bin/sh");
        String contents = run(dir, "dpkg-deb", "--contents", deb.toString());
        assertThat(contents)
                .contains(
                        "drwxr-xr-x root/root         0 2023-11-14 22:13 ./lib/modules/7.3.4+deb13-amd64/updates/kf_core/")
                .contains("-rw-r--r-- root/root        14 2023-11-14 22:13 "
                        + "./lib/modules/7.3.4+deb13-amd64/updates/kf_core/kf_core.ko");
        run(dir, "dpkg-deb", "-x", deb.toString(), "root");
        assertThat(dir.resolve("root/lib/modules/7.3.4+deb13-amd64/updates/kf_core/kf_core.ko"))
                .hasContent("not really ELF");
        run(dir, "dpkg-deb", "-e", deb.toString(), "ctl");
        assertThat(dir.resolve("ctl/md5sums"))
                .hasContent(
                        "a070b64b8e4b01ff4b382cf8b588ff3d  lib/modules/7.3.4+deb13-amd64/updates/kf_core/kf_core.ko");
        assertThat(dir.resolve("ctl/postinst")).isExecutable();
    }

    @Test
    void theSamePackageIsTheSameBytesAndAnotherTimeIsNot() throws Exception {
        DebWriter.write(pkg(1700000000L), dir.resolve("a.deb"));
        Thread.sleep(1100); // a writer that let the clock in would differ now
        DebWriter.write(pkg(1700000000L), dir.resolve("b.deb"));
        DebWriter.write(pkg(1700000001L), dir.resolve("c.deb"));
        assertThat(Files.readAllBytes(dir.resolve("b.deb"))).isEqualTo(Files.readAllBytes(dir.resolve("a.deb")));
        assertThat(Files.readAllBytes(dir.resolve("c.deb"))).isNotEqualTo(Files.readAllBytes(dir.resolve("a.deb")));
    }

    @Test
    void namesVersionsAndPathsDebianRefusesAreRefusedHere() {
        DebPackage ok = pkg(0);
        assertThatThrownBy(() -> new DebPackage(
                        "Kf_Core",
                        ok.version(),
                        "amd64",
                        ok.maintainer(),
                        ok.description(),
                        List.of(),
                        new TreeMap<>(),
                        new TreeMap<>(),
                        0))
                .hasMessageContaining("'Kf_Core' is not a Debian package name");
        assertThatThrownBy(() -> new DebPackage(
                        ok.name(),
                        "v1",
                        "amd64",
                        ok.maintainer(),
                        ok.description(),
                        List.of(),
                        new TreeMap<>(),
                        new TreeMap<>(),
                        0))
                .hasMessageContaining("'v1' is not a Debian version");
        assertThatThrownBy(() -> new DebPackage(
                        ok.name(),
                        ok.version(),
                        "amd64",
                        ok.maintainer(),
                        ok.description(),
                        List.of(),
                        new TreeMap<>(),
                        new TreeMap<>(Map.of("lib/x.ko", new DebPackage.File(new byte[0], 0644))),
                        0))
                .hasMessageContaining("'lib/x.ko' is not an absolute file path");
    }
}
