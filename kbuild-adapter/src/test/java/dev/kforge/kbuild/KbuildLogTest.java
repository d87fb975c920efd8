package dev.kforge.kbuild;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.exec.Diagnostic;
import dev.kforge.core.exec.Diagnostic.Severity;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The log parser against real Kbuild logs captured on this machine kind. */
class KbuildLogTest {

    static List<Diagnostic> parse(String fixture, String buildDir, String sourceDir) throws Exception {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                KbuildLogTest.class.getResourceAsStream("/logs/" + fixture), StandardCharsets.UTF_8))) {
            return new KbuildLog(buildDir, sourceDir).parse(r);
        }
    }

    @Test
    void gccErrorsAndWarningsMapBackToTheUsersFile() throws Exception {
        List<Diagnostic> d = parse("gcc-error.log", "/tmp/gb", "drivers/broken");
        assertThat(d).containsExactly(
                new Diagnostic(Severity.ERROR, "drivers/broken/broken.c", 5, 17, "expected ‘;’ before ‘}’ token"),
                new Diagnostic(Severity.WARNING, "drivers/broken/broken.c", 8, 12,
                        "‘unused_var’ defined but not used [-Wunused-variable]"));
        assertThat(d.get(0).format()).isEqualTo("drivers/broken/broken.c:5:17: error: expected ‘;’ before ‘}’ token");
    }

    @Test
    void modpostWarningsAreSurfacedWithUserPaths() throws Exception {
        List<Diagnostic> d = parse("modpost-warnings.log", "/ws/.kforge/build/v6.1/armhf-gcc/kf_user", "drivers/kf_user");
        assertThat(d).extracting(Diagnostic::format).containsExactly(
                "warning: modpost: Module.symvers is missing.",
                "warning: modpost: \"__aeabi_unwind_cpp_pr0\" [drivers/kf_user/kf_user.ko] undefined!",
                "warning: modpost: \"_printk\" [drivers/kf_user/kf_user.ko] undefined!");
    }

    @Test
    void rustcErrorsTakeTheirLocationFromTheArrowLine() throws Exception {
        List<Diagnostic> d = parse("rustc-error.log", "/tmp/rb", "drivers/rust_hello");
        assertThat(d).containsExactly(new Diagnostic(Severity.ERROR, "drivers/rust_hello/rust_hello.rs", 22, 26,
                "cannot find value `undefined_value` in this scope"));
    }

    @Test
    void boundedNoMatterHowLongTheLog() throws Exception {
        String line = "/b/x.c:1:1: warning: noise\n";
        var r = new BufferedReader(new java.io.StringReader(line.repeat(10_000)));
        assertThat(new KbuildLog("/b", "d").parse(r)).hasSize(KbuildLog.LIMIT);
    }
}
