package dev.kforge.core.digest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DigestMemoTest {

    /** A racy window that remembers even a file written this very instant (the tests write their files just before). */
    static final long ALWAYS = -TimeUnit.SECONDS.toNanos(10);

    @TempDir
    Path dir;

    @Test
    void anUnchangedStatIsServedFromTheTableWithoutReadingTheFile() throws Exception {
        Path f = dir.resolve("a.c");
        Files.writeString(f, "int a;\n");
        Path memoDir = dir.resolve("digests");
        DigestMemo first = new DigestMemo(memoDir, ALWAYS);
        assertThat(first.of(f)).isEqualTo(Digest.ofFile(f));
        first.flush();
        // Forge the remembered digest: a memo that reads the table (and not the file) returns it.
        Path table = memoDir.resolve(DigestMemo.TABLE);
        String forged = "0".repeat(64);
        Files.writeString(
                table, Files.readString(table).replace(Digest.ofFile(f).hex(), forged));
        assertThat(new DigestMemo(memoDir, ALWAYS).of(f).hex()).isEqualTo(forged);
        // Any change to the stat (here only the mtime, same content) means the file is read again.
        Files.setLastModifiedTime(f, FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
        assertThat(new DigestMemo(memoDir, ALWAYS).of(f)).isEqualTo(Digest.ofFile(f));
    }

    @Test
    void aSameSizeRewriteIsSeenThroughTheCtimeEvenWithTheOldMtime() throws Exception {
        Path f = dir.resolve("b.c");
        Files.writeString(f, "int b;\n");
        FileTime mtime = Files.getLastModifiedTime(f);
        DigestMemo memo = new DigestMemo(dir.resolve("digests"), ALWAYS);
        memo.of(f);
        memo.flush();
        Thread.sleep(5);
        Files.writeString(f, "int c;\n");
        Files.setLastModifiedTime(f, mtime);
        assertThat(new DigestMemo(dir.resolve("digests"), ALWAYS).of(f)).isEqualTo(Digest.of("int c;\n"));
    }

    @Test
    void aFileChangedJustNowIsNotRememberedAndNothingIsWrittenForNothing() throws Exception {
        Path f = dir.resolve("c.c");
        Files.writeString(f, "int c;\n");
        DigestMemo memo = new DigestMemo(dir.resolve("digests"));
        assertThat(memo.of(f)).isEqualTo(Digest.ofFile(f));
        memo.flush();
        assertThat(dir.resolve("digests")).doesNotExist();
    }

    @Test
    void aTornTableIsOnlyAColdCache() throws Exception {
        Path f = dir.resolve("d.c");
        Files.writeString(f, "int d;\n");
        Files.createDirectories(dir.resolve("digests"));
        Files.writeString(dir.resolve("digests").resolve(DigestMemo.TABLE), "12 34 garbage\n1 2 3 4 short /x\n");
        assertThat(new DigestMemo(dir.resolve("digests"), ALWAYS).of(f)).isEqualTo(Digest.ofFile(f));
    }
}
