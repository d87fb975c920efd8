package dev.kforge.kbuild;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.digest.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuildDirSyncTest {

    static final Digest CONFIG = Digest.of("config a");

    @TempDir
    Path dir;

    Path src;
    Path build;

    @BeforeEach
    void setUp() throws IOException {
        src = Files.createDirectories(dir.resolve("src"));
        build = dir.resolve("build/v6.1/x86_64-gcc/d");
        Files.writeString(src.resolve("Kbuild"), "obj-m += d.o\nd-y := a.o b.o\n");
        Files.writeString(src.resolve("a.c"), "int a;\n");
        Files.writeString(src.resolve("b.c"), "int b;\n");
        Files.createDirectories(src.resolve("sub"));
        Files.writeString(src.resolve("sub/c.h"), "#define C 1\n");
    }

    @Test
    void aFirstSyncCopiesEverything() throws IOException {
        BuildDirSync.Outcome o = BuildDirSync.sync(src, build, CONFIG);
        assertThat(o).isEqualTo(new BuildDirSync.Outcome(true, 4, 0, 0));
        assertThat(build.resolve("sub/c.h")).hasContent("#define C 1");
        assertThat(build.resolve(BuildDirSync.STAMP)).isRegularFile();
    }

    @Test
    void touchedButUnchangedFilesAreNotCopiedAndObjectsStay() throws IOException {
        BuildDirSync.sync(src, build, CONFIG);
        Files.writeString(build.resolve("a.o"), "object");
        FileTime before = Files.getLastModifiedTime(build.resolve("a.c"));
        // A checkout that rewrites every file with the same content and a new mtime.
        Files.setLastModifiedTime(
                src.resolve("a.c"), FileTime.from(Instant.now().plusSeconds(60)));
        BuildDirSync.Outcome o = BuildDirSync.sync(src, build, CONFIG);
        assertThat(o).isEqualTo(new BuildDirSync.Outcome(false, 0, 0, 4));
        assertThat(Files.getLastModifiedTime(build.resolve("a.c"))).isEqualTo(before);
        assertThat(build.resolve("a.o")).hasContent("object");
    }

    @Test
    void aChangedFileIsCopiedWithAFreshMtimeAndARemovedOneRemoved() throws IOException {
        BuildDirSync.sync(src, build, CONFIG);
        Path ao = build.resolve("a.o");
        Files.writeString(ao, "object");
        Files.setLastModifiedTime(ao, FileTime.from(Instant.now().minusSeconds(5)));
        Files.writeString(src.resolve("a.c"), "int a = 2;\n");
        Files.setLastModifiedTime(src.resolve("a.c"), FileTime.from(Instant.parse("2001-01-01T00:00:00Z")));
        Files.delete(src.resolve("b.c"));
        BuildDirSync.Outcome o = BuildDirSync.sync(src, build, CONFIG);
        assertThat(o).isEqualTo(new BuildDirSync.Outcome(false, 1, 1, 2));
        assertThat(build.resolve("a.c")).hasContent("int a = 2;");
        assertThat(Files.getLastModifiedTime(build.resolve("a.c"))).isGreaterThan(Files.getLastModifiedTime(ao));
        assertThat(build.resolve("b.c")).doesNotExist();
        assertThat(ao).exists();
    }

    @Test
    void aFileEditedInTheBuildDirectoryIsRestored() throws IOException {
        BuildDirSync.sync(src, build, CONFIG);
        Files.writeString(build.resolve("b.c"), "int b_edited_by_hand_in_the_build_dir;\n");
        Files.delete(build.resolve("a.c"));
        BuildDirSync.Outcome o = BuildDirSync.sync(src, build, CONFIG);
        assertThat(o.copied()).isEqualTo(2);
        assertThat(build.resolve("a.c")).hasContent("int a;");
        assertThat(build.resolve("b.c")).hasContent("int b;");
    }

    @Test
    void anotherConfigurationOrATornStampStartsClean() throws IOException {
        BuildDirSync.sync(src, build, CONFIG);
        Files.writeString(build.resolve("a.o"), "object");
        BuildDirSync.Outcome o = BuildDirSync.sync(src, build, Digest.of("config b"));
        assertThat(o.clean()).isTrue();
        assertThat(build.resolve("a.o")).doesNotExist();

        Files.writeString(build.resolve("a.o"), "object");
        Files.writeString(build.resolve(BuildDirSync.STAMP), "{ \"configur");
        assertThat(BuildDirSync.sync(src, build, Digest.of("config b")).clean()).isTrue();
        assertThat(build.resolve("a.o")).doesNotExist();
    }
}
