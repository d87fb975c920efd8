package dev.kforge.pkg;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a cell's Debian package holds, and its maintainer scripts run by a real sh. */
class DebContentTest {

    @TempDir
    Path dir;

    static DebContent.Cell cell(Optional<String> distribution, List<String> dependsOn, long mtime) {
        return new DebContent.Cell(
                "kf_user",
                "1.2.0",
                "6.1.0-28-amd64",
                "amd64",
                "Jane Doe <jane@example.org>",
                Optional.empty(),
                distribution,
                dependsOn,
                "Built for x86_64 with gcc (kforge cell kf_user/bookworm/x86_64-gcc).",
                new TreeMap<>(Map.of("kf_user.ko", "ELF".getBytes(StandardCharsets.UTF_8))),
                new TreeMap<>(Map.of("kf_user.ko", "GPL")),
                mtime);
    }

    @Test
    void namesVersionsDependenciesAndFilesFollowTheDriverAndTheKernelRelease() throws Exception {
        assertThat(DebContent.packageName("kf_User", "6.1.0-28-amd64")).isEqualTo("kf-user-modules-6.1.0-28-amd64");
        assertThat(DebContent.packageVersion("1.2.0", "7.3.4+deb13-amd64")).isEqualTo("1.2.0+7.3.4+deb13.amd64");
        DebPackage p = DebContent.of(cell(Optional.of("debian"), List.of("kf_core"), 1_700_000_000L));
        assertThat(p.name()).isEqualTo("kf-user-modules-6.1.0-28-amd64");
        assertThat(p.version()).isEqualTo("1.2.0+6.1.0.28.amd64");
        assertThat(DebContent.fileName(p)).isEqualTo("kf-user-modules-6.1.0-28-amd64_1.2.0+6.1.0.28.amd64_amd64.deb");
        assertThat(p.depends())
                .containsExactly(
                        "linux-image-6.1.0-28-amd64 | linux-image-6.1.0-28-amd64-unsigned",
                        "kf-core-modules-6.1.0-28-amd64");
        assertThat(p.files())
                .containsOnlyKeys(
                        "/lib/modules/6.1.0-28-amd64/updates/kf_user/kf_user.ko",
                        "/usr/share/doc/kf-user-modules-6.1.0-28-amd64/copyright",
                        "/usr/share/doc/kf-user-modules-6.1.0-28-amd64/changelog.gz");
        assertThat(new String(
                        p.files()
                                .get("/usr/share/doc/kf-user-modules-6.1.0-28-amd64/copyright")
                                .content(),
                        StandardCharsets.UTF_8))
                .contains("License: GPL");
        assertThat(p.description()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(79));
        assertThat(p.mtime()).isEqualTo(1_700_000_000L);
        // A kernel kforge built has no distribution package to depend on; a workspace outside git
        // (SOURCE_DATE_EPOCH 0) still gets a time Debian's tools accept.
        DebPackage own = DebContent.of(cell(Optional.empty(), List.of(), 0));
        assertThat(own.depends()).isEmpty();
        assertThat(own.mtime()).isEqualTo(DebContent.EPOCH_FLOOR);
    }

    @Test
    void maintainerScriptsRunDepmodForTheirReleaseOnlyUnderDpkgRoot() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path calls = dir.resolve("calls");
        Path depmod = bin.resolve("depmod");
        Files.writeString(depmod, "#!/bin/sh\necho \"$@\" >> " + calls + "\n");
        Files.setPosixFilePermissions(depmod, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path root = dir.resolve("root");
        Files.createDirectories(root.resolve("lib/modules/6.1.0-28-amd64"));
        DebPackage p = DebContent.of(cell(Optional.of("debian"), List.of(), 1_700_000_000L));
        Path postinst = dir.resolve("postinst");
        Files.writeString(postinst, p.scripts().get("postinst"));
        Path postrm = dir.resolve("postrm");
        Files.writeString(postrm, p.scripts().get("postrm"));

        assertThat(sh(bin, root, postinst, "configure")).isZero();
        assertThat(sh(bin, root, postinst, "abort-upgrade")).isZero();
        assertThat(sh(bin, root, postrm, "remove")).isZero();
        assertThat(sh(bin, root, postrm, "upgrade")).isZero();
        assertThat(Files.readAllLines(calls))
                .containsExactly("-b " + root + " -a 6.1.0-28-amd64", "-b " + root + " -a 6.1.0-28-amd64");
        // The kernel removed before the package: nothing to index, and no failure.
        Files.delete(root.resolve("lib/modules/6.1.0-28-amd64"));
        assertThat(sh(bin, root, postrm, "purge")).isZero();
        assertThat(Files.readAllLines(calls)).hasSize(2);
    }

    private static int sh(Path bin, Path root, Path script, String arg) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", script.toString(), arg).redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":/usr/bin:/bin");
        pb.environment().put("DPKG_ROOT", root.toString());
        Process p = pb.start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }
}
