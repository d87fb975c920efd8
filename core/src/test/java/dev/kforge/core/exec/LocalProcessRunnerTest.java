package dev.kforge.core.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local implementation of the port, against real /bin/sh processes. */
class LocalProcessRunnerTest {

    @TempDir
    Path dir;

    final LocalProcessRunner runner = new LocalProcessRunner(Map.of("PATH", System.getenv("PATH"), "SECRET", "x"));

    @Test
    void capturesOutputAndExitCode() throws Exception {
        ProcessResult r = runner.run(ProcessSpec.capture(List.of("sh", "-c", "echo hi; exit 3"), dir));
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.output()).isEqualTo("hi\n");
        assertThat(r.succeeded()).isFalse();
    }

    @Test
    void childGetsOnlyPassThroughAndDeclaredVariables() throws Exception {
        var env = new TreeMap<String, String>();
        env.put("LC_ALL", "C");
        ProcessResult r = runner.run(new ProcessSpec(List.of("env"), env, dir, Optional.empty(), Optional.empty()));
        List<String> names = r.output()
                .lines()
                .map(l -> l.substring(0, l.indexOf('=')))
                .sorted()
                .toList();
        assertThat(names).containsExactly("LC_ALL", "PATH");
    }

    @Test
    void argvIsNotInterpretedByAShell() throws Exception {
        ProcessResult r = runner.run(ProcessSpec.capture(List.of("echo", "x; rm -rf ~", "$HOME", "a b"), dir));
        assertThat(r.output()).isEqualTo("x; rm -rf ~ $HOME a b\n");
    }

    @Test
    void appendsToALog() throws Exception {
        Path log = dir.resolve("log");
        Files.writeString(log, "first\n");
        runner.run(new ProcessSpec(
                List.of("sh", "-c", "echo out; echo err >&2"),
                new TreeMap<>(),
                dir,
                Optional.of(log),
                Optional.empty()));
        assertThat(Files.readAllLines(log)).containsExactlyInAnyOrder("first", "out", "err");
    }

    @Test
    void missingProgramIsAnIOException() {
        assertThatThrownBy(() -> runner.run(ProcessSpec.capture(List.of("no-such-program-kforge"), dir)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no-such-program-kforge");
    }

    @Test
    void timeoutKillsTheWholeProcessTree() throws Exception {
        Path pids = dir.resolve("pids");
        // A child that forks a grandchild, both sleeping: both must be gone after the timeout.
        String script = "sleep 60 & echo $! > " + pids + "; sleep 60";
        ProcessResult r = runner.run(new ProcessSpec(
                List.of("sh", "-c", script),
                new TreeMap<>(),
                dir,
                Optional.empty(),
                Optional.of(Duration.ofMillis(500))));
        assertThat(r.timedOut()).isTrue();
        long grandchild = Long.parseLong(Files.readString(pids).strip());
        assertThat(ProcessHandle.of(grandchild).map(ProcessHandle::isAlive).orElse(false))
                .isFalse();
    }

    @Test
    void interruptKillsTheWholeProcessTree() throws Exception {
        Path pids = dir.resolve("pids");
        String script = "sleep 60 & echo $! > " + pids + "; sleep 60";
        Thread caller = Thread.currentThread();
        Thread interrupter = new Thread(() -> {
            try {
                while (!Files.exists(pids) || Files.size(pids) == 0) {
                    TimeUnit.MILLISECONDS.sleep(20);
                }
                caller.interrupt();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        interrupter.start();
        assertThatThrownBy(() -> runner.run(new ProcessSpec(
                        List.of("sh", "-c", script), new TreeMap<>(), dir, Optional.empty(), Optional.empty())))
                .isInstanceOf(InterruptedException.class);
        interrupter.join();
        long grandchild = Long.parseLong(Files.readString(pids).strip());
        assertThat(ProcessHandle.of(grandchild).map(ProcessHandle::isAlive).orElse(false))
                .isFalse();
    }

    /**
     * stdout and stderr share the log, yet no line mixes the two: modpost's "ERROR: modpost: " on
     * stderr was once cut by make's "Leaving directory" on stdout, losing the symbol's name.
     */
    @Test
    void stdoutAndStderrNeverInterleaveInsideALine() throws Exception {
        Path log = dir.resolve("mixed.log");
        String script =
                "for i in $(seq 300); do printf 'ERROR: modpost: ' >&2; printf 'make[1]: Leaving directory\\n'; "
                        + "printf '\"sym%d\" undefined!\\n' $i >&2; done; printf 'tail without newline'";
        ProcessResult r = runner.run(
                new ProcessSpec(List.of("sh", "-c", script), new TreeMap<>(), dir, Optional.of(log), Optional.empty()));
        assertThat(r.exitCode()).isZero();
        List<String> lines = Files.readAllLines(log);
        assertThat(lines)
                .filteredOn(l -> l.startsWith("ERROR"))
                .hasSize(300)
                .allSatisfy(l -> assertThat(l).matches("ERROR: modpost: \"sym\\d+\" undefined!"));
        assertThat(lines)
                .filteredOn(l -> l.startsWith("make"))
                .hasSize(300)
                .allSatisfy(l -> assertThat(l).isEqualTo("make[1]: Leaving directory"));
        assertThat(lines).contains("tail without newline").hasSize(601);
    }
}
