package dev.kforge.kbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kforge.core.elf.Elf;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
        assertThat(elf.differingSections(Elf.read(fixture(dir.resolve("copy"))))).isEmpty();
    }

    @Test
    void rejectsWhatIsNotElf() throws Exception {
        Path f = dir.resolve("x.ko");
        Files.writeString(f, "not an elf file at all, but long enough to have a header".repeat(2));
        assertThatThrownBy(() -> Elf.read(f)).isInstanceOf(IOException.class).hasMessageContaining("not an ELF file");
    }
}
