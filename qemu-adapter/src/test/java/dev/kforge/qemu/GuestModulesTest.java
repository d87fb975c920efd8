package dev.kforge.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

/** Which modules a guest loads, in which order, from the drivers and the kernel's own (plain or .ko.xz). */
class GuestModulesTest {

    @TempDir
    Path dir;

    /** A minimal 64-bit ELF whose .modinfo holds {@code name} and {@code depends}, as a module's does. */
    static byte[] module(String name, String depends) {
        byte[] modinfo = ("name=" + name + "\0depends=" + depends + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] shstrtab = "\0.modinfo\0.shstrtab\0".getBytes(StandardCharsets.US_ASCII);
        int modinfoOff = 64;
        int shstrOff = modinfoOff + modinfo.length;
        int shoff = (shstrOff + shstrtab.length + 7) & ~7;
        ByteBuffer b = ByteBuffer.allocate(shoff + 3 * 64).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        b.putShort(16, (short) 1); // ET_REL
        b.putShort(18, (short) 62); // x86-64
        b.putInt(20, 1);
        b.putLong(0x28, shoff);
        b.putShort(0x34, (short) 64);
        b.putShort(0x3A, (short) 64);
        b.putShort(0x3C, (short) 3);
        b.putShort(0x3E, (short) 2);
        b.put(modinfoOff, modinfo);
        b.put(shstrOff, shstrtab);
        section(b, shoff + 64, 1, 1, modinfoOff, modinfo.length);
        section(b, shoff + 128, 10, 3, shstrOff, shstrtab.length);
        return b.array();
    }

    private static void section(ByteBuffer b, int at, int name, int type, long offset, long size) {
        b.putInt(at, name);
        b.putInt(at + 4, type);
        b.putLong(at + 0x18, offset);
        b.putLong(at + 0x20, size);
        b.putLong(at + 0x30, 1);
    }

    private static byte[] xz(byte[] plain) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream x = new XZOutputStream(out, new LZMA2Options())) {
            x.write(plain);
        }
        return out.toByteArray();
    }

    @Test
    void aKernelModuleShippedAsKoXzIsFoundByNameLoadedFirstAndDecompressed() throws Exception {
        byte[] crc = module("crc_itu_t", "");
        Path libModules = dir.resolve("usr/lib/modules");
        Path crcXz = Files.createDirectories(libModules.resolve("7.3.4+deb13-amd64/kernel/lib/crc"))
                .resolve("crc-itu-t.ko.xz");
        Files.write(crcXz, xz(crc));
        Path out = Files.createDirectories(dir.resolve("out/user"));
        Files.write(out.resolve("user.ko"), module("user", "crc-itu-t"));

        List<GuestModules.Module> order =
                GuestModules.resolve(List.of(new GuestModules.DriverModules("user", out, "")), Optional.of(libModules));

        assertThat(order).extracting(GuestModules.Module::name).containsExactly("crc_itu_t", "user");
        assertThat(order.get(0).file()).isEqualTo(crcXz);
        assertThat(order.get(0).driver()).isEmpty();
        assertThat(GuestModules.content(crcXz)).isEqualTo(crc);
        assertThat(GuestModules.content(out.resolve("user.ko"))).isEqualTo(module("user", "crc-itu-t"));
    }

    @Test
    void aModuleNeitherTheDriversNorTheKernelShipIsRefusedByName() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out/user"));
        Files.write(out.resolve("user.ko"), module("user", "videodev"));
        assertThatThrownBy(() -> GuestModules.resolve(
                        List.of(new GuestModules.DriverModules("user", out, "")),
                        Optional.of(Files.createDirectories(dir.resolve("lib/modules/6.1.0-57-amd64")))))
                .isInstanceOf(GuestModules.Refused.class)
                .hasMessageContaining("module user needs videodev");
    }

    @Test
    void aDamagedKoXzIsAnErrorNamingTheFile() throws Exception {
        Path bad = dir.resolve("mc.ko.xz");
        byte[] good = xz(module("mc", ""));
        good[good.length / 2] ^= 0x55;
        Files.write(bad, good);
        assertThatThrownBy(() -> GuestModules.content(bad))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(bad.toString());
    }
}
