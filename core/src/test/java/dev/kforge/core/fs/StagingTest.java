package dev.kforge.core.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StagingTest {

    @TempDir
    Path dir;

    /** The pid of a process that has exited. */
    static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    @Test
    void stagingNamesCarryTheOwnersPid() throws Exception {
        Path s = FileTrees.stagingFor(dir.resolve("out/k/x86_64-gcc/hello"));
        assertThat(s.getFileName().toString())
                .startsWith(".hello.tmp-" + ProcessHandle.current().pid() + "-");
    }

    @Test
    void whatADeadProcessStagedIsRemovedAndALiveOnesIsKept() throws Exception {
        Path cell = dir.resolve("k/x86_64-gcc");
        Path dead = Files.createDirectories(cell.resolve(".hello.tmp-" + deadPid() + "-123"));
        Files.writeString(dead.resolve("hello.ko"), "half");
        Path download = Files.createDirectories(dir.resolve("debs/download-" + deadPid() + "-9"));
        Path old = Files.createDirectories(cell.resolve(".other.old-" + deadPid() + "-77"));
        Path mine = Files.createDirectories(
                cell.resolve(".mine.tmp-" + ProcessHandle.current().pid() + "-5"));
        Path plain = Files.createDirectories(cell.resolve("hello"));
        Path legacy = Files.createDirectories(cell.resolve(".legacy.tmp-12345"));

        assertThat(Staging.sweepTree(dir, 2)).isEqualTo(3);
        assertThat(dead).doesNotExist();
        assertThat(download).doesNotExist();
        assertThat(old).doesNotExist();
        assertThat(mine).isDirectory();
        assertThat(plain).isDirectory();
        assertThat(legacy).isDirectory(); // no owner in its name: never guessed at
    }

    @Test
    void aReusedPidDoesNotKeepOldStagingAlive() throws Exception {
        // This process started long after the directory was last written: the pid in its name is a reuse.
        Path stale = Files.createDirectories(
                dir.resolve(".x.tmp-" + ProcessHandle.current().pid() + "-1"));
        Files.setLastModifiedTime(stale, FileTime.from(Instant.parse("2001-01-01T00:00:00Z")));
        assertThat(Staging.sweep(dir, Optional.of(".x.tmp-"))).isEqualTo(1);
        assertThat(stale).doesNotExist();
    }

    @Test
    void stagingAgainBesideAKilledRunsLeftoversRemovesThem() throws Exception {
        Path left = Files.createDirectories(dir.resolve(".hello.tmp-" + deadPid() + "-4"));
        Path other = Files.createDirectories(dir.resolve(".world.tmp-" + deadPid() + "-4"));
        Path fresh = FileTrees.stagingFor(dir.resolve("hello"));
        assertThat(left).doesNotExist();
        assertThat(other).as("only the same target's staging is swept by it").isDirectory();
        assertThat(fresh).isDirectory();
    }
}
