package dev.kforge.core.exec;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.commons.exec.CommandLine;
import org.apache.commons.exec.DefaultExecuteResultHandler;
import org.apache.commons.exec.DefaultExecutor;
import org.apache.commons.exec.ProcessDestroyer;
import org.apache.commons.exec.PumpStreamHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs processes on this machine with commons-exec. Each child starts in a session and process
 * group of its own ({@code setsid}), so that make, the compilers it forks and anything they fork
 * can be killed together: on timeout, on interrupt, and whenever the leader exits abnormally.
 */
public final class LocalProcessRunner implements ProcessRunner {

    private static final Logger LOG = LoggerFactory.getLogger(LocalProcessRunner.class);

    private static final int CAPTURE_LIMIT = 1 << 20;
    private static final Duration GRACE = Duration.ofSeconds(2);

    private final Map<String, String> inherited;

    public LocalProcessRunner() {
        this(System.getenv());
    }

    /** util-linux's setpriv (2.33 and later), which sets the parent-death signal before it executes a command. */
    private static final boolean SETPRIV = Files.isExecutable(Path.of("/usr/bin/setpriv"));

    /** For tests: the environment the pass-through list reads from. */
    public LocalProcessRunner(Map<String, String> callerEnv) {
        Map<String, String> env = new TreeMap<>();
        for (String k : PASS_THROUGH) {
            String v = callerEnv.get(k);
            if (v != null) {
                env.put(k, v);
            }
        }
        this.inherited = env;
    }

    @Override
    public ProcessResult run(ProcessSpec spec) throws IOException, InterruptedException {
        long start = System.nanoTime();
        LOG.debug("run in {}: {}", spec.cwd(), String.join(" ", spec.argv()));
        CommandLine cmd = command(spec);
        Map<String, String> env = new TreeMap<>(inherited);
        env.putAll(spec.env());

        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        OutputStream sink = spec.log().isPresent()
                ? Files.newOutputStream(spec.log().get(), StandardOpenOption.CREATE, StandardOpenOption.APPEND)
                : new Bounded(captured, CAPTURE_LIMIT);
        GroupKiller group = new GroupKiller();
        DefaultExecutor executor = DefaultExecutor.builder()
                .setWorkingDirectory(spec.cwd())
                .setExecuteStreamHandler(new PumpStreamHandler(new WholeLines(sink), new WholeLines(sink), null))
                .get();
        executor.setExitValues(null);
        executor.setProcessDestroyer(group);
        DefaultExecuteResultHandler handler = new DefaultExecuteResultHandler();
        boolean timedOut = false;
        try {
            if (!Files.isDirectory(spec.cwd())) {
                throw new IOException("working directory does not exist: " + spec.cwd());
            }
            executor.execute(cmd, env, handler);
            if (spec.timeout().isPresent()) {
                handler.waitFor(spec.timeout().get());
                if (!handler.hasResult()) {
                    timedOut = true;
                    group.killGroup();
                    handler.waitFor(GRACE.multipliedBy(5));
                }
            } else {
                handler.waitFor();
            }
        } catch (InterruptedException e) {
            group.killGroup();
            handler.waitFor(GRACE.multipliedBy(5));
            throw e;
        } finally {
            sink.close();
        }
        int exit;
        if (handler.hasResult() && handler.getException() == null) {
            exit = handler.getExitValue();
        } else if (handler.hasResult() && handler.getException() != null && group.process == null) {
            throw new IOException(
                    "cannot run " + spec.argv().get(0) + ": "
                            + handler.getException().getMessage(),
                    handler.getException());
        } else {
            exit = handler.hasResult() ? handler.getExitValue() : -1;
        }
        if (exit != 0) {
            // A leader that died abnormally may leave its group behind.
            group.killGroup();
        }
        String out = spec.log().isPresent() ? "" : captured.toString(StandardCharsets.UTF_8);
        if (exit == 127 && out.contains(": failed to execute")) {
            throw new IOException("cannot run " + spec.argv().get(0) + ": not found on PATH");
        }
        return new ProcessResult(exit, timedOut, Duration.ofNanos(System.nanoTime() - start), out);
    }

    /** {@code setsid [setpriv --pdeathsig KILL --] ARGV}: its own session, and killed with kforge. */
    private static CommandLine command(ProcessSpec spec) {
        CommandLine cmd = new CommandLine("setsid");
        if (SETPRIV) {
            // Killed with kforge, even by SIGKILL: the child is in its own session, out of reach of the
            // terminal's signals, so the kernel's parent-death signal is what ends a guest or a make.
            cmd.addArgument("setpriv", false);
            cmd.addArgument("--pdeathsig", false);
            cmd.addArgument("KILL", false);
            cmd.addArgument("--", false);
        }
        for (String arg : spec.argv()) {
            cmd.addArgument(arg, false);
        }
        return cmd;
    }

    /**
     * Remembers the launched process so its whole group can be signalled. commons-exec hands every
     * process it launches to the executor's {@link ProcessDestroyer}; this one records it and
     * leaves the killing to {@link #killGroup()}.
     */
    private static final class GroupKiller implements ProcessDestroyer {
        private volatile Process process;

        @Override
        public boolean add(Process p) {
            process = p;
            return true;
        }

        @Override
        public boolean remove(Process p) {
            return true;
        }

        @Override
        public int size() {
            return process == null ? 0 : 1;
        }

        /** SIGTERM to the group, a grace period, then SIGKILL to the group and any stray descendant. */
        void killGroup() throws InterruptedException {
            Process p = process;
            if (p == null) {
                return;
            }
            long pgid = p.pid();
            List<ProcessHandle> descendants = new ArrayList<>(p.descendants().toList());
            signal("-TERM", pgid);
            long deadline = System.nanoTime() + GRACE.toNanos();
            while (System.nanoTime() < deadline
                    && (p.isAlive() || descendants.stream().anyMatch(ProcessHandle::isAlive))) {
                TimeUnit.MILLISECONDS.sleep(50);
            }
            signal("-KILL", pgid);
            descendants.forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }

        private static void signal(String sig, long pgid) throws InterruptedException {
            try {
                Process k = new ProcessBuilder("kill", sig, "--", "-" + pgid)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                k.waitFor(5, TimeUnit.SECONDS);
            } catch (IOException e) {
                // kill(1) missing: fall back to the descendants snapshot, killed by the caller.
            }
        }
    }

    /**
     * One of the two pumps (stdout, stderr) that share a log: bytes are held until a line is whole
     * and the line is written under the log's lock, so the two streams never interleave inside a
     * line (they did: "ERROR: modpost: " from stderr, then "make[1]: Leaving directory" from stdout,
     * and the undefined symbol's name was lost). A line longer than {@link #MAX} is passed on in
     * pieces, so memory stays bounded.
     */
    static final class WholeLines extends OutputStream {
        static final int MAX = 64 * 1024;

        private final OutputStream shared;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        WholeLines(OutputStream shared) {
            this.shared = shared;
        }

        @Override
        public void write(int b) throws IOException {
            line.write(b);
            if (b == '\n' || line.size() >= MAX) {
                flushLine();
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int start = off;
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n' || line.size() + (i - start + 1) >= MAX) {
                    line.write(b, start, i - start + 1);
                    flushLine();
                    start = i + 1;
                }
            }
            line.write(b, start, off + len - start);
        }

        private void flushLine() throws IOException {
            synchronized (shared) {
                line.writeTo(shared);
            }
            line.reset();
        }

        /** The pumps flush when their stream ends: a last line without its newline is written then. */
        @Override
        public void flush() throws IOException {
            if (line.size() > 0) {
                flushLine();
            }
            synchronized (shared) {
                shared.flush();
            }
        }

        @Override
        public void close() throws IOException {
            if (line.size() > 0) {
                flushLine(); // a last line without its newline
            }
        }
    }

    /** Keeps the first {@code limit} bytes and drops the rest, so a chatty probe cannot grow memory. */
    private static final class Bounded extends FilterOutputStream {
        private final int limit;
        private int written;

        Bounded(OutputStream out, int limit) {
            super(out);
            this.limit = limit;
        }

        @Override
        public void write(int b) throws IOException {
            if (written < limit) {
                out.write(b);
                written++;
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int n = Math.min(len, limit - written);
            if (n > 0) {
                out.write(b, off, n);
                written += n;
            }
        }
    }
}
