package dev.kforge.kbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kforge.core.elf.Elf;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ElfTest {

    @TempDir
    Path dir;

    static Path fixture(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path ko = dir.resolve("kf_core.ko");
        try (InputStream in = ElfTest.class.getResourceAsStream("/ko/kf_core-riscv64.ko")) {
            Files.copy(in, ko);
        }
        return ko;
    }

    @Test
    void readsMachineAndModinfoOfARealModule() throws Exception {
        Elf elf = Elf.read(fixture(dir));
        assertThat(elf.machine()).isEqualTo(243);
        assertThat(elf.is64()).isTrue();
        assertThat(elf.vermagic()).hasValueSatisfying(v -> assertThat(v).startsWith("6.1.192 SMP mod_unload"));
        assertThat(elf.release()).contains("6.1.192");
        assertThat(elf.modinfo()).containsEntry("version", "1.2").containsEntry("license", "GPL");
        assertThat(elf.sections()).containsKeys(".text", ".modinfo", ".symtab");
        assertThat(elf.differingSections(Elf.read(fixture(dir.resolve("copy")))))
                .isEmpty();
    }

    @Test
    void rejectsWhatIsNotElf() throws Exception {
        Path f = dir.resolve("x.ko");
        Files.writeString(f, "not an elf file at all, but long enough to have a header".repeat(2));
        assertThatThrownBy(() -> Elf.read(f)).isInstanceOf(IOException.class).hasMessageContaining("not an ELF file");
    }

    /** Every prefix of a real module, and the module with garbage in its headers: a clear error or a result, never a crash. */
    @Test
    void truncatedOrGarbageModulesGiveAClearErrorNamingTheFile() throws Exception {
        byte[] real = Files.readAllBytes(fixture(dir));
        Path f = dir.resolve("bad.ko");
        for (int len : new int[] {4, 16, 40, 63, 64, 100, 1000, real.length / 2, real.length - 1}) {
            Files.write(f, Arrays.copyOf(real, len));
            assertThatThrownBy(() -> Elf.read(f))
                    .as("first %d bytes", len)
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith(f.toString());
        }
        Random random = new Random(42);
        for (int n = 0; n < 2000; n++) {
            byte[] garbage = real.clone();
            for (int k = 0; k < 8; k++) {
                garbage[16 + random.nextInt(48)] = (byte) random.nextInt(256); // somewhere in the ELF header
            }
            garbage[4 + random.nextInt(2)] = (byte) (1 + random.nextInt(2));
            Files.write(f, garbage);
            try {
                Elf.read(f);
            } catch (IOException e) {
                assertThat(e).hasMessageStartingWith(f.toString());
            }
        }
    }

    @Test
    void aModulesCompilerIsReadFromItsCommentAndComparedWithTheKernels() throws Exception {
        Path ko = fixture(dir);
        Elf elf = Elf.read(ko);
        assertThat(elf.compiler()).contains("GCC: (Debian 12.2.0-13) 12.2.0");
        assertThat(ModuleChecks.compilerMismatch(ko, elf, "riscv64-linux-gnu-gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0"))
                .as("another Debian revision of the same gcc")
                .isEmpty();
        assertThat(ModuleChecks.compilerMismatch(ko, elf, "riscv64-linux-gnu-gcc-14 (Debian 14.2.0-19) 14.2.0"))
                .hasValue("kf_core.ko was built with GCC: (Debian 12.2.0-13) 12.2.0, the kernel with "
                        + "riscv64-linux-gnu-gcc-14 (Debian 14.2.0-19) 14.2.0: a module built by another compiler "
                        + "may not load or behave alike");
        assertThat(ModuleChecks.compilerMismatch(ko, elf, "")).isEmpty();
    }
}
