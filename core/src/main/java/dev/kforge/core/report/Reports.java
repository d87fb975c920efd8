package dev.kforge.core.report;

import dev.kforge.core.digest.DigestMemo;
import dev.kforge.core.fs.Modes;
import dev.kforge.core.plan.BuildPlan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;

/**
 * The reports a run writes, one writer per format ({@link ResultsJson}, {@link ProvenanceJson},
 * {@link JunitXml}); every file by write-temp-then-rename.
 */
public final class Reports {

    private Reports() {}

    /** Test statuses as reports name them. */
    public static final List<String> TEST_KEYS = ResultsJson.TEST_KEYS;

    /** Package statuses as reports name them: written, cached, failed, timed-out, skipped, cancelled. */
    public static final List<String> PACKAGE_KEYS = ResultsJson.PACKAGE_KEYS;

    /** The results document: every cell with status, duration, message and diagnostics. */
    public static String resultsJson(RunReport run) {
        return ResultsJson.resultsJson(run);
    }

    /** SHA256SUMS of the cells' modules and the packages' files (relative to out/). */
    public static String sha256sums(Path out, List<String> cellDirs, List<String> packageFiles, DigestMemo memo)
            throws IOException {
        return ProvenanceJson.sha256sums(out, cellDirs, packageFiles, memo);
    }

    /** The in-toto provenance statement of a run's modules (see {@link ProvenanceJson}). */
    public static String provenance(String sha256sums, BuildPlan plan, String manifest, Optional<Path> out)
            throws IOException {
        return ProvenanceJson.provenance(sha256sums, plan, manifest, out);
    }

    /** JUnit XML (see {@link JunitXml}). */
    public static String junit(RunReport run) {
        return JunitXml.junit(run);
    }

    /** Writes a file by write-temp-then-rename, so readers never see half of it. */
    public static void writeAtomically(Path file, String content) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, "." + file.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Modes.publish(tmp);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static String xml(String s) {
        return JunitXml.xml(s);
    }
}
