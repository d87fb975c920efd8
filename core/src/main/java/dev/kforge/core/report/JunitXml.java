package dev.kforge.core.report;

import dev.kforge.core.exec.Diagnostic;
import dev.kforge.core.exec.StepResult;
import dev.kforge.core.exec.StepStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** JUnit XML: one testcase per cell, test, tree preparation and companion. */
final class JunitXml {

    private JunitXml() {}

    /**
     * JUnit XML: one testcase per cell (classname = driver, name = target), per test (classname =
     * DRIVER.test, the guest's console in a failure's body), per tree preparation
     * (classname = kernel-tree), per package (classname =
     * DRIVER.package-FORMAT) and per cargo companion (classname = cargo). A step the build
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
        for (PackageReport p : run.packages()) {
            cases.add(new JunitCase(
                    p.driver() + ".package-" + p.format(),
                    p.subject(),
                    p.duration(),
                    p.status(),
                    p.error(),
                    p.message(),
                    "",
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
        long skipped = cases.stream()
                .filter(c -> c.status() == StepStatus.SKIPPED || c.status() == StepStatus.XFAIL)
                .count();
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
            if (status == StepStatus.SKIPPED || status == StepStatus.XFAIL) {
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
