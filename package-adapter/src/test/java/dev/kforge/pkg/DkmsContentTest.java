package dev.kforge.pkg;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A DKMS package's tree and its dkms.conf, read by a real bash the way DKMS reads and runs it. */
class DkmsContentTest {

    @TempDir
    Path dir;

    static DebPackage.File file(String text, int mode) {
        return new DebPackage.File(text.getBytes(StandardCharsets.UTF_8), mode);
    }

    static DkmsContent.Contents contents() {
        DkmsContent.Source core = new DkmsContent.Source(
                "kf_core",
                new TreeMap<>(Map.of("Kbuild", file("obj-m += kf_core.o\n", 0644), "kf_core.c", file("x", 0644))),
                new TreeMap<>(Map.of("VERSION", "1.2")),
                List.of());
        DkmsContent.Source user = new DkmsContent.Source(
                "kf_user",
                new TreeMap<>(Map.of(
                        "Kbuild", file("obj-m += kf_user.o sub/\n", 0644),
                        "kf_user.c", file("y", 0644),
                        "tools/gen.sh", file("#!/bin/sh\n", 0755))),
                // A value a shell would split, expand or unquote, each kept as written.
                new TreeMap<>(Map.of("EXTRA", "a b 'c' \"d\" $HOME `x` \\e")),
                List.of("kf_core"));
        return new DkmsContent.Contents(
                user,
                "1.2.0",
                List.of(core),
                List.of("kf_user.ko", "sub/kf_user_extra.ko"),
                KernelRange.of(List.of(KernelRangeTest.v("6.1")), List.of(KernelRangeTest.v("6.16")))
                        .orElseThrow(),
                List.of("x86_64", "aarch64"),
                List.of("CONFIG_PCI"),
                List.of("6.1.0-28-amd64 (x86_64)", "6.12.9 (aarch64)"));
    }

    @Test
    void theTreeHoldsTheSourcesTheConfAndTheDependencysSourcesUnderDkmsSourceTree() {
        DkmsContent.Contents c = contents();
        assertThat(DkmsContent.fileName(c)).isEqualTo("kf_user-1.2.0-dkms.tar.gz");
        Map<String, DebPackage.File> members = DkmsContent.members(c);
        assertThat(members.keySet())
                .containsExactly(
                        "dkms_source_tree/",
                        "dkms_source_tree/.kforge-deps/",
                        "dkms_source_tree/.kforge-deps/kf_core/",
                        "dkms_source_tree/.kforge-deps/kf_core/Kbuild",
                        "dkms_source_tree/.kforge-deps/kf_core/kf_core.c",
                        "dkms_source_tree/Kbuild",
                        "dkms_source_tree/dkms.conf",
                        "dkms_source_tree/kf_user.c",
                        "dkms_source_tree/tools/",
                        "dkms_source_tree/tools/gen.sh");
        assertThat(members.get("dkms_source_tree/tools/gen.sh").mode()).isEqualTo(0755);
        assertThat(members.get("dkms_source_tree/")).isNull();
    }

    /**
     * DKMS sources dkms.conf with its own variables set, then evaluates the MAKE line: here bash does both, with
     * a make that prints its arguments one per line.
     */
    @Test
    void bashReadsTheConfAsDkmsDoesAndTheMakeLineKeepsEveryWord() throws Exception {
        Path conf = dir.resolve("dkms.conf");
        Files.writeString(conf, DkmsContent.conf(contents()));
        String script = """
                set -e
                kernel_source_dir=/usr/src/linux-headers-6.1.0-28-amd64
                dkms_tree='/var/lib/dkms'
                kernelver=6.1.0-28-amd64
                . "$1"
                echo "name=$PACKAGE_NAME version=$PACKAGE_VERSION"
                echo "modules=${BUILT_MODULE_NAME[*]} at=${BUILT_MODULE_LOCATION[1]} dest=${DEST_MODULE_LOCATION[0]}"
                echo "depends=${BUILD_DEPENDS[*]} config=$BUILD_EXCLUSIVE_CONFIG autoinstall=$AUTOINSTALL"
                for k in 6.1.0-28-amd64 6.15.2 6.16.0 6.0.9; do
                    [[ $k =~ $BUILD_EXCLUSIVE_KERNEL ]] && echo "kernel $k: yes" || echo "kernel $k: no"
                done
                for a in x86_64 aarch64 armv7l x86_64x; do
                    [[ $a =~ $BUILD_EXCLUSIVE_ARCH ]] && echo "arch $a: yes" || echo "arch $a: no"
                done
                make() { echo "make:"; for w in "$@"; do echo "[$w]"; done; }
                eval "${MAKE[0]}"
                """;
        Process p = new ProcessBuilder("bash", "-c", script, "bash", conf.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out)
                .contains("name=kf_user version=1.2.0\n")
                .contains("modules=kf_user kf_user_extra at=sub/ dest=/updates/dkms\n")
                .contains("depends=kf_core config=CONFIG_PCI autoinstall=yes\n")
                .contains("kernel 6.1.0-28-amd64: yes\n", "kernel 6.15.2: yes\n")
                .contains("kernel 6.16.0: no\n", "kernel 6.0.9: no\n")
                .contains("arch x86_64: yes\n", "arch aarch64: yes\n", "arch armv7l: no\n", "arch x86_64x: no\n");
        String build = "/var/lib/dkms/kf_user/1.2.0/build";
        // kf_core's sources first, for their Module.symvers; then the driver, with those symbols.
        assertThat(out.substring(out.indexOf("make:")))
                .isEqualTo("make:\n[-C]\n[/usr/src/linux-headers-6.1.0-28-amd64]\n[M=" + build
                        + "/.kforge-deps/kf_core]\n[VERSION=1.2]\n[modules]\n"
                        + "make:\n[KERNELRELEASE=6.1.0-28-amd64]\n[-C]\n[/usr/src/linux-headers-6.1.0-28-amd64]\n[M="
                        + build + "]\n[KBUILD_EXTRA_SYMBOLS=" + build + "/.kforge-deps/kf_core/Module.symvers]\n"
                        + "[EXTRA=a b 'c' \"d\" $HOME `x` \\e]\n[modules]\n");
        assertThat(Files.readString(conf))
                .contains("#   6.1.0-28-amd64 (x86_64)\n")
                .contains("builds on kernels 6.1 up to, not including, 6.16");
    }
}
