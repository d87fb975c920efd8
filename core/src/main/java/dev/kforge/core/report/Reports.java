package dev.kforge.core.report;

import dev.kforge.core.digest.DigestMemo;
import dev.kforge.core.exec.Diagnostic;
import dev.kforge.core.exec.StepResult;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.json.CanonicalJson;
import dev.kforge.core.plan.BuildPlan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Writes kforge-results.json, SHA256SUMS and JUnit XML; every file by write-temp-then-rename. */
public final class Reports {

    private Reports() {}

    /** The results document: every cell with status, duration, message and diagnostics. */
    public static String resultsJson(RunReport run) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("planHash", run.planHash());
        Map<String, Object> summary = new TreeMap<>();
        for (StepStatus s : StepStatus.values()) {
            summary.put(s.key(), run.count(s));
        }
        summary.put("cells", run.cells().size());
        summary.put("failedSteps", run.failedSteps());
        summary.put("companions", counts(run.companions()));
        summary.put("trees", counts(run.prepares()));
        summary.put("symbolsUnchecked", run.unchecked().size());
        if (!run.tests().isEmpty()) {
            Map<String, Object> tests = new TreeMap<>();
            for (String k : TEST_KEYS) {
                tests.put(k, run.countTests(k));
            }
            tests.put("tests", run.tests().size());
            summary.put("tests", tests);
        }
        m.put("summary", summary);
        Map<String, TestReport> testsByCell = new HashMap<>();
        run.tests().forEach(t -> testsByCell.put(t.cell().id(), t));
        List<Object> cells = new ArrayList<>();
        for (CellReport c : run.cells()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("cell", c.cell().id());
            e.put("driver", c.cell().driver());
            e.put("kernel", c.cell().target().kernel());
            e.put("arch", c.cell().target().arch());
            e.put("toolchain", c.cell().target().toolchain());
            e.put("status", c.status().key());
            e.put("durationMs", c.duration().toMillis());
            e.put("message", c.message());
            e.put("outDir", c.outDir());
            e.put("error", c.error());
            e.put("symbols", c.symbols());
            e.put("signer", c.signer());
            e.put("warnings", c.warnings());
            e.put(
                    "diagnostics",
                    c.diagnostics().stream().map(Reports::diagnostic).toList());
            TestReport t = testsByCell.get(c.cell().id());
            if (t != null) {
                Map<String, Object> te = new LinkedHashMap<>();
                te.put("status", t.key());
                te.put("durationMs", t.duration().toMillis());
                te.put("message", t.message());
                te.put("log", t.log());
                te.put("error", t.error());
                te.put(
                        "problems",
                        t.problems().stream().map(Reports::diagnostic).toList());
                te.put("kernelMessages", t.kernelMessages());
                e.put("test", te);
            }
            cells.add(e);
        }
        m.put("cells", cells);
        m.put("prepares", steps(run.prepares()));
        m.put("companions", steps(run.companions()));
        return CanonicalJson.write(m);
    }

    /** Test statuses as reports name them. */
    public static final List<String> TEST_KEYS =
            List.of("passed", "cached", "failed", "timed-out", "skipped", "cancelled");

    private static Map<String, Object> counts(List<StepResult> results) {
        Map<String, Object> m = new TreeMap<>();
        for (StepStatus s : StepStatus.values()) {
            m.put(s.key(), results.stream().filter(r -> r.status() == s).count());
        }
        m.put("steps", results.size());
        return m;
    }

    private static List<Object> steps(List<StepResult> results) {
        List<Object> out = new ArrayList<>();
        for (StepResult p : results) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("step", p.stepId());
            e.put("status", p.status().key());
            e.put("durationMs", p.duration().toMillis());
            e.put("message", p.message());
            e.put("error", RunReport.error(p));
            out.add(e);
        }
        return out;
    }

    private static Map<String, Object> diagnostic(Diagnostic d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("severity", d.severity().key());
        m.put("file", d.file());
        m.put("line", d.line());
        m.put("column", d.column());
        m.put("message", d.message());
        m.put("notes", d.notes());
        return m;
    }

    /** {@code sha256  path} lines for every .ko below {@code out}, paths relative to it, sorted. */
    public static String sha256sums(Path out, List<String> cellDirs, DigestMemo memo) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String dir : cellDirs) {
            Path d = out.resolve(dir);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> s = Files.list(d)) {
                for (Path ko : s.filter(p -> p.getFileName().toString().endsWith(".ko"))
                        .sorted()
                        .toList()) {
                    lines.add(memo.of(ko).hex() + "  "
                            + out.relativize(ko).toString().replace('\\', '/'));
                }
            }
        }
        lines.sort(Comparator.comparing((String l) -> l.substring(66)));
        return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
    }

    /**
     * An in-toto Statement (v1) with a SLSA provenance (v1) predicate whose subjects are the
     * modules listed in {@code sha256sums} (the SHA256SUMS text); the build definition names the plan, the
     * kernels and the tools it was made with.
     *
     * @param out where the cells' metadata.json are: a signed module's subject is annotated with its
     *     unsigned sha256 (what kforge verify compares) and the certificate that signed it
     */
    public static String provenance(String sha256sums, BuildPlan plan, String manifest, Optional<Path> out)
            throws IOException {
        List<Object> subjects = new ArrayList<>();
        for (String line : sha256sums.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            Map<String, Object> s = new LinkedHashMap<>();
            String name = line.substring(66);
            s.put("name", name);
            s.put("digest", Map.of("sha256", line.substring(0, 64)));
            if (out.isPresent()) {
                signature(out.get(), name).ifPresent(a -> s.put("annotations", a));
            }
            subjects.add(s);
        }
        List<Object> deps = new ArrayList<>();
        plan.kernels().forEach((name, k) -> {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("name", "kernel:" + name);
            d.put("digest", Map.of("sha256", k.get("identity")));
            d.put("annotations", k);
            deps.add(d);
        });
        plan.tools().forEach((name, version) -> {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("name", "tool:" + name);
            d.put("annotations", Map.of("version", version));
            deps.add(d);
        });
        Map<String, Object> external = new LinkedHashMap<>();
        external.put("manifest", manifest);
        external.put("planHash", plan.planHash().hex());
        Map<String, Object> definition = new LinkedHashMap<>();
        definition.put("buildType", "https://kforge.dev/provenance/build/v1");
        definition.put("externalParameters", external);
        definition.put("resolvedDependencies", deps);
        Map<String, Object> predicate = new LinkedHashMap<>();
        predicate.put("buildDefinition", definition);
        predicate.put("runDetails", Map.of("builder", Map.of("id", "https://kforge.dev/kforge")));
        Map<String, Object> statement = new LinkedHashMap<>();
        statement.put("_type", "https://in-toto.io/Statement/v1");
        statement.put("subject", subjects);
        statement.put("predicateType", "https://slsa.dev/provenance/v1");
        statement.put("predicate", predicate);
        return CanonicalJson.write(statement);
    }

    /** What a signed module's metadata.json says of its signature, for its provenance subject. */
    private static Optional<Map<String, Object>> signature(Path out, String module) throws IOException {
        Path ko = out.resolve(module);
        Path meta = ko.resolveSibling("metadata.json");
        if (!Files.isRegularFile(meta)) {
            return Optional.empty();
        }
        Map<?, ?> m = (Map<?, ?>) CanonicalJson.read(Files.readString(meta));
        if (!(m.get("signing") instanceof Map<?, ?> signing) || !(m.get("modules") instanceof Map<?, ?> modules)) {
            return Optional.empty();
        }
        for (Map.Entry<?, ?> e : modules.entrySet()) {
            if (Path.of(String.valueOf(e.getKey()))
                            .getFileName()
                            .toString()
                            .equals(ko.getFileName().toString())
                    && e.getValue() instanceof Map<?, ?> facts
                    && facts.get("unsignedSha256") != null) {
                Map<String, Object> a = new TreeMap<>();
                a.put("unsignedSha256", facts.get("unsignedSha256"));
                a.put("certificateSha256", signing.get("certificateSha256"));
                a.put("signer", signing.get("signer"));
                a.put("signatureHash", signing.get("hash"));
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /**
     * JUnit XML: one testcase per cell (classname = driver, name = target), per test (classname =
     * DRIVER.test, the guest's console in a failure's body), per tree preparation
     * (classname = kernel-tree) and per cargo companion (classname = cargo). A step the build
     * refused is a {@code failure}; one stopped by a timeout, the environment or a bug in kforge is
     * an {@code error}; the suite's counts are computed from the same testcases.
     */
    public static String junit(RunReport run) {
        List<JunitCase> cases = new ArrayList<>();
        for (CellReport c : run.cells()) {
            String props = c.symbols().isEmpty() ? "" : "symbols=" + c.symbols();
            String body = c.diagnostics().stream()
                    .filter(d -> d.severity() == Diagnostic.Severity.ERROR)
                    .limit(20)
                    .map(d -> d.format() + "\n"
                            + d.notes().stream().map(n -> "  note: " + n + "\n").reduce("", String::concat))
                    .reduce("", String::concat);
            cases.add(new JunitCase(
                    c.cell().driver(),
                    c.cell().target().id(),
                    c.duration(),
                    c.status(),
                    c.error(),
                    c.message(),
                    body,
                    props));
        }
        for (TestReport t : run.tests()) {
            StringBuilder body = new StringBuilder();
            t.problems().forEach(p -> body.append(p.format()).append('\n'));
            if (t.failed() && !t.kernelMessages().isEmpty()) {
                List<String> lines = List.of(t.kernelMessages().split("\n"));
                body.append("\nguest console (").append(t.log()).append("), from /init on:\n");
                lines.subList(Math.max(0, lines.size() - 60), lines.size())
                        .forEach(l -> body.append(l).append('\n'));
            }
            cases.add(new JunitCase(
                    t.cell().driver() + ".test",
                    t.cell().target().id(),
                    t.duration(),
                    t.status(),
                    t.error(),
                    t.message(),
                    body.toString(),
                    ""));
        }
        for (StepResult p : run.prepares()) {
            cases.add(JunitCase.of("kernel-tree", p));
        }
        for (StepResult c : run.companions()) {
            // Classed by the tool the step id names first (cargo-test/..., cargo-tool/...): "cargo".
            cases.add(JunitCase.of(
                    c.stepId().substring(0, Math.max(0, c.stepId().indexOf('-'))), c));
        }
        long failures = cases.stream().filter(c -> c.failed() && !c.error()).count();
        long errors = cases.stream().filter(c -> c.failed() && c.error()).count();
        long skipped =
                cases.stream().filter(c -> c.status() == StepStatus.SKIPPED).count();
        double total = cases.stream().mapToLong(c -> c.duration().toMillis()).sum() / 1000.0;
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        sb.append("<testsuites>\n");
        sb.append(String.format(
                Locale.ROOT,
                "  <testsuite name=\"kforge\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\">%n",
                cases.size(),
                failures,
                errors,
                skipped,
                total));
        cases.forEach(c -> c.append(sb));
        sb.append("  </testsuite>\n</testsuites>\n");
        return sb.toString();
    }

    private record JunitCase(
            String classname,
            String name,
            Duration duration,
            StepStatus status,
            boolean error,
            String message,
            String body,
            String property) {

        static JunitCase of(String classname, StepResult r) {
            return new JunitCase(
                    classname, r.stepId(), r.duration(), r.status(), RunReport.error(r), r.message(), "", "");
        }

        boolean failed() {
            return status.failed();
        }

        void append(StringBuilder sb) {
            sb.append(String.format(
                    Locale.ROOT,
                    "    <testcase classname=\"%s\" name=\"%s\" time=\"%.3f\"",
                    xml(classname),
                    xml(name),
                    duration.toMillis() / 1000.0));
            if (status.ok() && property.isEmpty()) {
                sb.append("/>\n");
                return;
            }
            sb.append(">\n");
            if (!property.isEmpty()) {
                int eq = property.indexOf('=');
                sb.append("      <properties><property name=\"")
                        .append(xml(property.substring(0, eq)))
                        .append("\" value=\"")
                        .append(xml(property.substring(eq + 1)))
                        .append("\"/></properties>\n");
            }
            if (status == StepStatus.SKIPPED) {
                sb.append("      <skipped message=\"").append(xml(message)).append("\"/>\n");
            } else if (failed()) {
                String element = error ? "error" : "failure";
                sb.append("      <")
                        .append(element)
                        .append(" type=\"")
                        .append(status.key())
                        .append("\" message=\"")
                        .append(xml(message))
                        .append("\">")
                        .append(xml(body))
                        .append("</")
                        .append(element)
                        .append(">\n");
            }
            sb.append("    </testcase>\n");
        }
    }

    /** Writes a file by write-temp-then-rename, so readers never see half of it. */
    public static void writeAtomically(Path file, String content) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, "." + file.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static String xml(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&apos;");
                default -> {
                    if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
                        sb.append('?');
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }
}
