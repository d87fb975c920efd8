package dev.kforge.cli;

import dev.kforge.core.exec.ProgressListener;
import dev.kforge.core.exec.StepResult;
import dev.kforge.core.plan.Step;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Progress on stderr: on a terminal one live status line (done/total and what is running);
 * elsewhere (CI, a log file) plain timestamped lines, one per finished step.
 */
final class Progress implements ProgressListener {

    private final PrintWriter err;
    private final boolean live;
    private final boolean quiet;
    private final Set<String> running = new LinkedHashSet<>();
    private int lastWidth;

    Progress(PrintWriter err, boolean live, boolean quiet) {
        this.err = err;
        this.live = live;
        this.quiet = quiet;
    }

    /** A live line only on a real terminal that is not a CI runner. */
    @SuppressWarnings("SystemConsoleNull") // JDK 17: null exactly when a stream is redirected
    static boolean isTerminal(Map<String, String> env) {
        return System.console() != null && !"true".equals(env.get("CI")) && !"dumb".equals(env.get("TERM"));
    }

    @Override
    public synchronized void started(Step step, int done, int total) {
        running.add(step.id());
        if (live && !quiet) {
            status(done, total);
        }
    }

    @Override
    public synchronized void finished(Step step, StepResult result, int done, int total) {
        running.remove(step.id());
        if (quiet) {
            return;
        }
        String line = String.format(
                "[%d/%d] %-9s %s (%.1f s)%s",
                done,
                total,
                result.status().key(),
                step.id(),
                result.duration().toMillis() / 1000.0,
                result.status().ok() || result.message().isEmpty() ? "" : ": " + result.message());
        if (live) {
            clear();
            err.println(line);
            status(done, total);
        } else {
            err.println(Instant.now().truncatedTo(ChronoUnit.SECONDS) + " " + line);
        }
        err.flush();
    }

    synchronized void done() {
        if (live && !quiet) {
            clear();
            err.flush();
        }
    }

    private void status(int done, int total) {
        String s = String.format("[%d/%d] running: %s", done, total, String.join(", ", running));
        if (s.length() > 120) {
            s = s.substring(0, 117) + "...";
        }
        clear();
        err.print(s);
        lastWidth = s.length();
        err.flush();
    }

    private void clear() {
        if (lastWidth > 0) {
            err.print("\r" + " ".repeat(lastWidth) + "\r");
            lastWidth = 0;
        }
    }
}
