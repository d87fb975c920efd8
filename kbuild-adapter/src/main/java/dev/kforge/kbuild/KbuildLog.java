package dev.kforge.kbuild;

import dev.kforge.core.exec.Diagnostic;
import dev.kforge.core.exec.Diagnostic.Severity;
import dev.kforge.core.fs.LogLines;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses a Kbuild log for compiler (gcc, clang, rustc) and modpost diagnostics, mapping paths in
 * the per-cell build directory back to the user's source directory.
 *
 * <p>A diagnostic the compiler places in the kernel's headers (a BUILD_BUG inside a macro, a
 * warning in an inline function) is moved to the innermost place in the driver's own files that
 * led there: gcc's "in expansion of macro" and "In function"/"inlined from" chains, clang's
 * "note:" chains. The kernel location stays, as a note.
 *
 * <p>Streams the log; every error is kept, warnings up to {@link #LIMIT}, so a log of any size
 * costs bounded memory for warnings and never loses an error.
 */
final class KbuildLog {

    static final int LIMIT = 200;

    private static final Pattern CC =
            Pattern.compile("^(\\S[^:]*?):(\\d+):(?:(\\d+):)? (?:fatal )?(error|warning): (.*)$");
    private static final Pattern NOTE = Pattern.compile("^(\\S[^:]*?):(\\d+):(?:(\\d+):)? note: (.*)$");
    private static final Pattern INLINED =
            Pattern.compile("^\\s+inlined from '([^']+)' at (\\S[^:]*?):(\\d+):(\\d+)[:,]$");
    private static final Pattern IN_FUNCTION = Pattern.compile("^(\\S[^:]*?): In function '([^']+)':$");
    private static final Pattern INLINE_START = Pattern.compile("^In function '([^']+)',$");
    private static final Pattern RUSTC_HEAD = Pattern.compile("^(error|warning)(?:\\[\\w+])?: (.*)$");
    private static final Pattern RUSTC_AT = Pattern.compile("^\\s*--> (\\S+):(\\d+):(\\d+)$");
    private static final Pattern MODPOST = Pattern.compile("^(WARNING|ERROR): (?:modpost: )?(.*)$");

    private final String buildDir;
    private final String sourceDir;
    private final List<String> kernelDirs;

    /**
     * @param buildDir the absolute per-cell build directory as make saw it
     * @param sourceDir how to name the user's driver directory in diagnostics (workspace-relative)
     * @param kernelDirs the kernel's source and output directories, named relative to them in notes
     */
    KbuildLog(String buildDir, String sourceDir, List<String> kernelDirs) {
        this.buildDir = slash(buildDir);
        this.sourceDir = slash(sourceDir);
        this.kernelDirs = kernelDirs.stream().map(KbuildLog::slash).toList();
    }

    KbuildLog(String buildDir, String sourceDir) {
        this(buildDir, sourceDir, List.of());
    }

    private static String slash(String dir) {
        return dir.endsWith("/") ? dir : dir + "/";
    }

    List<Diagnostic> parse(Path log) throws IOException {
        try (LogLines lines = LogLines.open(log)) {
            return parse(lines);
        }
    }

    List<Diagnostic> parse(Reader r) throws IOException {
        return parse(new LogLines(r, LogLines.MAX_LINE));
    }

    /** A place in a file as the compiler printed it. */
    private record Frame(String file, int line, int column) {}

    /** The diagnostic being read, with the places printed around it. */
    private static final class Pending {
        final Severity severity;
        final Frame at;
        final String message;
        final List<Frame> chain = new ArrayList<>();
        Frame function; // "FILE: In function 'f':", a file without a line

        Pending(Severity severity, Frame at, String message) {
            this.severity = severity;
            this.at = at;
            this.message = message;
        }
    }

    private List<Diagnostic> parse(LogLines r) throws IOException {
        Reading reading = new Reading();
        String line;
        while ((line = r.readLine()) != null) {
            reading.line(line);
        }
        reading.flush();
        return reading.out.diagnostics;
    }

    /** One log's parse: the diagnostic being read and the context gcc printed before it. */
    private final class Reading {
        final Output out = new Output();
        Pending pending;
        /** gcc prints the function and its inlining chain before the diagnostic they belong to. */
        final List<Frame> preamble = new ArrayList<>();

        Frame function;
        String rustSeverity;
        String rustMessage;

        void line(String line) {
            if (gcc(line) || rustc(line) || modpost(line)) {
                return;
            }
            if (line.startsWith("make")
                    || line.startsWith("  CC")
                    || line.startsWith("  LD")
                    || line.startsWith("  RUSTC")) {
                flush();
                preamble.clear();
                function = null;
            }
            // Anything else (source excerpts, carets, "In file included from") belongs to the diagnostic being read.
        }

        void flush() {
            out.add(pending);
            pending = null;
        }

        private boolean gcc(String line) {
            Matcher m = CC.matcher(line);
            if (m.matches() && !line.startsWith("make")) {
                out.add(pending);
                pending = new Pending(severity(m.group(4)), frame(m.group(1), m.group(2), m.group(3)), m.group(5));
                // The inlining context holds for every diagnostic until gcc prints the next one.
                pending.chain.addAll(preamble);
                pending.function = function;
                rustSeverity = null;
                return true;
            }
            m = NOTE.matcher(line);
            if (m.matches()) {
                if (pending != null) {
                    pending.chain.add(frame(m.group(1), m.group(2), m.group(3)));
                }
                return true;
            }
            m = INLINED.matcher(line);
            if (m.matches()) {
                preamble.add(frame(m.group(2), m.group(3), m.group(4)));
                return true;
            }
            m = IN_FUNCTION.matcher(line);
            boolean inFunction = m.matches();
            if (inFunction || INLINE_START.matcher(line).matches() || line.startsWith("In file included from ")) {
                flush();
                preamble.clear();
                if (inFunction) {
                    function = new Frame(m.group(1), 0, 0);
                } else if (line.startsWith("In file included from ")) {
                    function = null;
                } // the start of an inlining chain keeps the function it is in
                return true;
            }
            return false;
        }

        private boolean rustc(String line) {
            Matcher m = RUSTC_AT.matcher(line);
            if (m.matches() && rustSeverity != null) {
                out.add(new Diagnostic(
                        severity(rustSeverity),
                        map(m.group(1)),
                        Integer.parseInt(m.group(2)),
                        Integer.parseInt(m.group(3)),
                        rustMessage));
                rustSeverity = null;
                return true;
            }
            m = RUSTC_HEAD.matcher(line);
            if (!m.matches()) {
                return false;
            }
            flush();
            // rustc puts the location on a following "-->" line; summaries have none.
            if (m.group(2).startsWith("aborting due to") || m.group(2).matches("\\d+ warnings? emitted.*")) {
                rustSeverity = null;
            } else {
                rustSeverity = m.group(1);
                rustMessage = m.group(2);
            }
            return true;
        }

        private boolean modpost(String line) {
            Matcher m = MODPOST.matcher(line);
            if (m.matches()) {
                flush();
                out.add(new Diagnostic(severity(m.group(1)), "", 0, 0, "modpost: " + mapAll(m.group(2))));
                return true;
            }
            if (line.contains("Module.symvers is missing")) {
                out.add(new Diagnostic(Severity.WARNING, "", 0, 0, "modpost: " + line.strip()));
                return true;
            }
            return false;
        }
    }

    /** Every error; warnings up to {@link #LIMIT}. */
    private final class Output {
        final List<Diagnostic> diagnostics = new ArrayList<>();
        int warnings;

        void add(Pending p) {
            if (p != null) {
                add(resolve(p));
            }
        }

        void add(Diagnostic d) {
            if (d.severity() == Severity.WARNING && warnings++ >= LIMIT) {
                return;
            }
            diagnostics.add(d);
        }
    }

    /** Moves a diagnostic from the kernel's files to the innermost frame in the driver's own files. */
    private Diagnostic resolve(Pending p) {
        if (user(p.at.file())) {
            return new Diagnostic(p.severity, map(p.at.file()), p.at.line(), p.at.column(), p.message);
        }
        String kernelNote = "reported in " + kernelRelative(p.at.file()) + ":" + p.at.line()
                + (p.at.column() > 0 ? ":" + p.at.column() : "");
        for (Frame f : p.chain) {
            if (user(f.file())) {
                return new Diagnostic(p.severity, map(f.file()), f.line(), f.column(), p.message, List.of(kernelNote));
            }
        }
        if (p.function != null && user(p.function.file())) {
            return new Diagnostic(p.severity, map(p.function.file()), 0, 0, p.message, List.of(kernelNote));
        }
        return new Diagnostic(p.severity, p.at.file(), p.at.line(), p.at.column(), p.message);
    }

    private boolean user(String file) {
        return file.startsWith(buildDir);
    }

    private String kernelRelative(String file) {
        for (String k : kernelDirs) {
            if (file.startsWith(k)) {
                return file.substring(k.length());
            }
        }
        return file;
    }

    private static Frame frame(String file, String line, String column) {
        return new Frame(file, Integer.parseInt(line), column == null ? 0 : Integer.parseInt(column));
    }

    private String map(String file) {
        return file.startsWith(buildDir) ? sourceDir + file.substring(buildDir.length()) : file;
    }

    private String mapAll(String text) {
        return text.replace(buildDir, sourceDir);
    }

    private static Severity severity(String s) {
        return s.equalsIgnoreCase("error") ? Severity.ERROR : Severity.WARNING;
    }
}
