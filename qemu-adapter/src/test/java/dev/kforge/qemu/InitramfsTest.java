package dev.kforge.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InitramfsTest {

    @TempDir
    Path dir;

    Initramfs sample() {
        return new Initramfs()
                .dir("proc")
                .charDevice("dev/console", 5, 1)
                .file("bin/busybox", "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8), true)
                .symlink("bin/sh", "busybox")
                .file("kforge/modules/00-a.ko", new byte[] {1, 2, 3, 4, 5}, false);
    }

    /** The archive as the real cpio reads it: names, types, modes, sizes, link targets and device numbers. */
    @Test
    void gnuCpioReadsTheArchiveEntryByEntry() throws Exception {
        Path archive = dir.resolve("initramfs.cpio.gz");
        Files.write(archive, sample().toGzip());
        Process p = new ProcessBuilder("sh", "-c", "gzip -dc " + archive + " | cpio -tv --quiet")
                .redirectErrorStream(true)
                .start();
        List<String> listing = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .lines()
                .toList();
        assertThat(p.waitFor()).as(String.join("\n", listing)).isZero();
        assertThat(listing).hasSize(9);
        assertThat(listing)
                .anyMatch(l -> l.matches("drwxr-xr-x .* proc"))
                .anyMatch(l -> l.matches("drwxr-xr-x .* dev"))
                .anyMatch(l -> l.matches("crw------- .* 5,\\s+1 .* dev/console"))
                .anyMatch(l -> l.matches("-rwxr-xr-x .* 18 .* bin/busybox"))
                .anyMatch(l -> l.matches("lrwxrwxrwx .* bin/sh -> busybox"))
                .anyMatch(l -> l.matches("-rw-r--r-- .* 5 .* kforge/modules/00-a.ko"));
        Path out = Files.createDirectories(dir.resolve("x"));
        Process x = new ProcessBuilder(
                        "sh",
                        "-c",
                        "gzip -dc " + archive + " | cpio -id --quiet --no-absolute-filenames "
                                + "kforge/modules/00-a.ko bin/busybox")
                .directory(out.toFile())
                .redirectErrorStream(true)
                .start();
        assertThat(x.waitFor())
                .as(new String(x.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .isZero();
        assertThat(Files.readAllBytes(out.resolve("kforge/modules/00-a.ko"))).containsExactly(1, 2, 3, 4, 5);
        assertThat(Files.readString(out.resolve("bin/busybox"))).isEqualTo("#!/bin/sh\necho hi\n");
    }

    @Test
    void theSameEntriesGiveTheSameBytes() throws Exception {
        assertThat(sample().toGzip()).isEqualTo(sample().toGzip());
    }

    static final String NONCE = "00112233445566778899aabbccddeeff";

    @Test
    void theInitLoadsInOrderStopsAtTheFirstFailureAndUnloadsInReverse() {
        String init = GuestInit.script(
                List.of(
                        new GuestInit.Module("crc_itu_t", "/kforge/modules/00-crc_itu_t.ko", ""),
                        new GuestInit.Module("crc", "/kforge/modules/01-crc.ko", "debug=1")),
                Optional.of("/kforge/test/smoke.sh"),
                NONCE);
        assertThat(init).startsWith("#!/bin/sh\n");
        assertThat(init.indexOf("insmod '/kforge/modules/00-crc_itu_t.ko'\n"))
                .isLessThan(init.indexOf("insmod '/kforge/modules/01-crc.ko' 'debug=1'\n"));
        assertThat(init.indexOf("rmmod 'crc'\n")).isLessThan(init.indexOf("rmmod 'crc_itu_t'\n"));
        assertThat(init)
                .contains("(cd '/kforge/test' && sh '/kforge/test/smoke.sh')")
                .contains("reboot -f");
    }

    @Test
    void paramsAreSeparateQuotedArgumentsThatNoShellExpands() throws Exception {
        String init = GuestInit.script(
                List.of(new GuestInit.Module(
                        "m", "/kforge/modules/00-m.ko", "n=abc; true msg=\"a b\" x=$(reboot) y=`id` z='q'")),
                Optional.empty(),
                NONCE);
        String insmod = init.lines()
                .map(String::strip)
                .filter(l -> l.startsWith("insmod "))
                .findFirst()
                .orElseThrow();
        assertThat(insmod)
                .isEqualTo("insmod '/kforge/modules/00-m.ko' 'n=abc;' 'true' 'msg=\"a b\"' 'x=$(reboot)' 'y=`id`' "
                        + "'z='\\''q'\\'''");
        // What a POSIX sh hands insmod: each word whole, nothing run.
        Path sh = Files.createTempFile("init", ".sh");
        Files.writeString(
                sh, "set -- " + insmod.substring("insmod ".length()) + "\nfor a; do printf '%s\\n' \"$a\"; done\n");
        Process p = new ProcessBuilder("sh", sh.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isZero();
        Files.delete(sh);
        assertThat(out.lines().toList())
                .containsExactly(
                        "/kforge/modules/00-m.ko", "n=abc;", "true", "msg=\"a b\"", "x=$(reboot)", "y=`id`", "z='q'");
    }

    @Test
    void everyMarkerCarriesTheNonceAndInitRemovesItself() {
        String init = GuestInit.script(
                List.of(new GuestInit.Module("m", "/kforge/modules/00-m.ko", "")),
                Optional.of("/kforge/test/t.sh"),
                NONCE);
        assertThat(init.lines().filter(l -> l.contains("KFORGE-")).toList())
                .isNotEmpty()
                .allMatch(l -> l.contains("@" + NONCE + " KFORGE-"));
        assertThat(init.indexOf("rm -f /init")).isLessThan(init.indexOf("KFORGE-BEGIN"));
        // The script's exit status is taken first, and its marker starts a line of its own.
        assertThat(init)
                .contains("sh '/kforge/test/t.sh')\n  rc=$?\n  echo\n  echo \"@" + NONCE + " KFORGE-SCRIPT $rc\"");
    }
}
