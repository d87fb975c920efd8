package dev.kforge.kbuild;

import dev.kforge.core.exec.Diagnostic;
import dev.kforge.core.exec.Diagnostic.Severity;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses a Kbuild log for compiler (gcc, clang, rustc) and modpost diagnostics, mapping paths in
 * the per-cell build directory back to the user's source directory. Streams the log and keeps at
 * most {@link #LIMIT} diagnostics, so a log of any size costs bounded memory.
 */
final class KbuildLog {

    static final int LIMIT = 200;

    private static final Pattern CC = Pattern.compile(
            "^(\\S[^:]*?):(\\d+):(?:(\\d+):)? (?:fatal )?(error|warning): (.*)$");
    private static final Pattern RUSTC_HEAD = Pattern.compile("^(error|warning)(?:\\[\\w+])?: (.*)$");
    private static final Pattern RUSTC_AT = Pattern.compile("^\\s*--> (\\S+):(\\d+):(\\d+)$");
    private static final Pattern MODPOST = Pattern.compile("^(WARNING|ERROR): (?:modpost: )?(.*)$");

    private final String buildDir;
    private final String sourceDir;

    /**
     * @param buildDir the absolute per-cell build directory as make saw it
     * @param sourceDir how to name the user's driver directory in diagnostics (workspace-relative)
     */
    KbuildLog(String buildDir, String sourceDir) {
        this.buildDir = buildDir.endsWith("/") ? buildDir : buildDir + "/";
        this.sourceDir = sourceDir.endsWith("/") ? sourceDir : sourceDir + "/";
    }

    List<Diagnostic> parse(Path log) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(log, StandardCharsets.UTF_8)) {
            return parse(r);
        } catch (java.nio.charset.MalformedInputException e) {
            try (BufferedReader r = Files.newBufferedReader(log, StandardCharsets.ISO_8859_1)) {
                return parse(r);
            }
        }
    }

    List<Diagnostic> parse(BufferedReader r) throws IOException {
        List<Diagnostic> out = new ArrayList<>();
        String pendingSeverity = null;
        String pendingMessage = null;
        String line;
        while ((line = r.readLine()) != null && out.size() < LIMIT) {
            if (line.length() > 4000) {
                line = line.substring(0, 4000);
            }
            Matcher m = CC.matcher(line);
            if (m.matches() && !line.startsWith("make")) {
                out.add(new Diagnostic(severity(m.group(4)), map(m.group(1)), Integer.parseInt(m.group(2)),
                        m.group(3) == null ? 0 : Integer.parseInt(m.group(3)), m.group(5)));
                pendingSeverity = null;
                continue;
            }
            m = RUSTC_AT.matcher(line);
            if (m.matches() && pendingSeverity != null) {
                out.add(new Diagnostic(severity(pendingSeverity), map(m.group(1)), Integer.parseInt(m.group(2)),
                        Integer.parseInt(m.group(3)), pendingMessage));
                pendingSeverity = null;
                continue;
            }
            m = RUSTC_HEAD.matcher(line);
            if (m.matches()) {
                // rustc puts the location on a following "-->" line; summaries have none.
                if (m.group(2).startsWith("aborting due to") || m.group(2).matches("\\d+ warnings? emitted.*")) {
                    pendingSeverity = null;
                } else {
                    pendingSeverity = m.group(1);
                    pendingMessage = m.group(2);
                }
                continue;
            }
            m = MODPOST.matcher(line);
            if (m.matches()) {
                out.add(new Diagnostic(severity(m.group(1)), "", 0, 0, "modpost: " + mapAll(m.group(2))));
                continue;
            }
            if (line.contains("Module.symvers is missing")) {
                out.add(new Diagnostic(Severity.WARNING, "", 0, 0, "modpost: " + line.strip()));
            }
        }
        return out;
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
