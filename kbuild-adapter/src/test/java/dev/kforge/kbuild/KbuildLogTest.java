package dev.kforge.kbuild;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.exec.Diagnostic;
import dev.kforge.core.exec.Diagnostic.Severity;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The log parser against real Kbuild logs captured on this machine kind. */
class KbuildLogTest {

    static List<Diagnostic> parse(String fixture, String buildDir, String sourceDir) throws Exception {
        return parse(fixture, buildDir, sourceDir, List.of());
    }

    static List<Diagnostic> parse(String fixture, String buildDir, String sourceDir, List<String> kernelDirs)
            throws Exception {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                KbuildLogTest.class.getResourceAsStream("/logs/" + fixture), StandardCharsets.UTF_8))) {
            return new KbuildLog(buildDir, sourceDir, kernelDirs).parse(r);
        }
    }

    @Test
    void gccErrorsAndWarningsMapBackToTheUsersFile() throws Exception {
        List<Diagnostic> d = parse("gcc-error.log", "/tmp/gb", "drivers/broken");
        assertThat(d)
                .containsExactly(
                        new Diagnostic(
                                Severity.ERROR, "drivers/broken/broken.c", 5, 17, "expected ‘;’ before ‘}’ token"),
                        new Diagnostic(
                                Severity.WARNING,
                                "drivers/broken/broken.c",
                                8,
                                12,
                                "‘unused_var’ defined but not used [-Wunused-variable]"));
        assertThat(d.get(0).format()).isEqualTo("drivers/broken/broken.c:5:17: error: expected ‘;’ before ‘}’ token");
    }

    @Test
    void modpostWarningsAreSurfacedWithUserPaths() throws Exception {
        List<Diagnostic> d =
                parse("modpost-warnings.log", "/ws/.kforge/build/v6.1/armhf-gcc/kf_user", "drivers/kf_user");
        assertThat(d)
                .extracting(Diagnostic::format)
                .containsExactly(
                        "warning: modpost: Module.symvers is missing.",
                        "warning: modpost: \"__aeabi_unwind_cpp_pr0\" [drivers/kf_user/kf_user.ko] undefined!",
                        "warning: modpost: \"_printk\" [drivers/kf_user/kf_user.ko] undefined!");
    }

    @Test
    void rustcErrorsTakeTheirLocationFromTheArrowLine() throws Exception {
        List<Diagnostic> d = parse("rustc-error.log", "/tmp/rb", "drivers/rust_hello");
        assertThat(d)
                .containsExactly(new Diagnostic(
                        Severity.ERROR,
                        "drivers/rust_hello/rust_hello.rs",
                        22,
                        26,
                        "cannot find value `undefined_value` in this scope"));
    }

    @Test
    void warningsAreCappedButEveryErrorIsKept() throws Exception {
        String warning = "/b/x.c:1:1: warning: noise\n";
        String error = "/b/x.c:2:1: error: the point\n";
        var r = new BufferedReader(new StringReader(warning.repeat(10_000) + error.repeat(1_000)));
        List<Diagnostic> d = new KbuildLog("/b", "d").parse(r);
        assertThat(d).filteredOn(x -> x.severity() == Severity.WARNING).hasSize(KbuildLog.LIMIT);
        assertThat(d)
                .filteredOn(x -> x.severity() == Severity.ERROR)
                .hasSize(1_000)
                .allSatisfy(x -> assertThat(x.format()).isEqualTo("d/x.c:2:1: error: the point"));
    }

    /** One 50 MB line (a runaway macro expansion, binary output) is cut, never held whole, and the next line still parses. */
    @Test
    void aHugeSingleLineIsCutAndParsingGoesOn() throws Exception {
        Reader huge = new Reader() {
            long left = 50L << 20;
            boolean tailDone;

            @Override
            public int read(char[] buf, int off, int len) {
                if (left > 0) {
                    int n = (int) Math.min(len, left);
                    Arrays.fill(buf, off, off + n, 'x');
                    left -= n;
                    return n;
                }
                if (!tailDone) {
                    String tail = "\n/b/x.c:7:3: error: after the flood\n";
                    tail.getChars(0, tail.length(), buf, off);
                    tailDone = true;
                    return tail.length();
                }
                return -1;
            }

            @Override
            public void close() {}
        };
        assertThat(new KbuildLog("/b", "d").parse(huge))
                .extracting(Diagnostic::format)
                .containsExactly("d/x.c:7:3: error: after the flood");
    }

    /** gcc 12, riscv64, 6.1: cmpxchg on a u16 hits BUILD_BUG deep in the kernel's macros. */
    @Test
    void gccMacroChainIsReportedAtTheDriversLine() throws Exception {
        List<Diagnostic> d = parse(
                "cmpxchg16-riscv64-gcc.log",
                "/ws/.kforge/build/v6.1/riscv64-gcc/cx",
                "drivers/cx",
                List.of("/cache/sources/k61", "/cache/trees/6.1.192-riscv64-gcc-bd58673d43c65438"));
        assertThat(d)
                .containsExactly(new Diagnostic(
                        Severity.ERROR,
                        "drivers/cx/cx.c",
                        13,
                        19,
                        "call to '__compiletime_assert_240' declared with attribute error: BUILD_BUG failed",
                        List.of("reported in include/linux/compiler_types.h:387:45")));
    }

    /** clang 14 puts the error at the driver's line already; its notes into the kernel change nothing. */
    @Test
    void clangNoteChainKeepsTheDriversLine() throws Exception {
        List<Diagnostic> d = parse(
                "cmpxchg16-riscv64-llvm.log",
                "/ws/.kforge/build/v6.1/riscv64-llvm/cx",
                "drivers/cx",
                List.of("/cache/sources/k61"));
        assertThat(d)
                .extracting(Diagnostic::format)
                .containsExactly(
                        "drivers/cx/cx.c:13:12: error: call to __compiletime_assert_240 declared with 'error' attribute: BUILD_BUG failed");
    }

    /** A clang diagnostic inside a kernel header, whose note chain leads back to the driver. */
    @Test
    void clangDiagnosticInAHeaderMovesToTheFirstDriverNote() throws Exception {
        String log = String.join(
                "\n",
                "/k/include/linux/fortify-string.h:397:4: error: call to __write_overflow declared with 'error' attribute",
                "                        __write_overflow();",
                "                        ^",
                "/k/include/linux/string.h:12:3: note: expanded from macro 'memcpy'",
                "/b/fx.c:16:2: note: in call to 'memcpy' here",
                "1 error generated.",
                "");
        List<Diagnostic> d =
                new KbuildLog("/b", "drivers/fx", List.of("/k")).parse(new BufferedReader(new StringReader(log)));
        assertThat(d)
                .containsExactly(new Diagnostic(
                        Severity.ERROR,
                        "drivers/fx/fx.c",
                        16,
                        2,
                        "call to __write_overflow declared with 'error' attribute",
                        List.of("reported in include/linux/fortify-string.h:397:4")));
    }

    /** gcc 12, x86_64, Debian's 6.1 headers: FORTIFY_SOURCE checks inlined into the driver's function. */
    @Test
    void gccInlinedFromChainAppliesToEveryDiagnosticOfThatContext() throws Exception {
        List<Diagnostic> d = parse(
                "fortify-inlined-gcc.log",
                "/ws/.kforge/build/debian/x86_64-gcc/fx",
                "drivers/fx",
                List.of("/usr/src/linux-headers-6.1.0-56-common", "/usr/src/linux-headers-6.1.0-56-amd64"));
        assertThat(d)
                .extracting(Diagnostic::format)
                .containsExactly(
                        "drivers/fx/fx.c:16:2: error: call to '__write_overflow' declared with attribute error: detected write beyond "
                                + "size of object (1st parameter)",
                        "drivers/fx/fx.c:16:2: warning: call to '__write_overflow_field' declared with attribute warning: detected write "
                                + "beyond size of field (1st parameter); maybe use struct_group()? [-Wattribute-warning]");
        assertThat(d)
                .extracting(Diagnostic::notes)
                .containsExactly(
                        List.of("reported in include/linux/fortify-string.h:397:25"),
                        List.of("reported in include/linux/fortify-string.h:404:25"));
    }

    @Test
    void aKernelDiagnosticWithNoDriverFrameStaysWhereItIs() throws Exception {
        String log = "/k/include/linux/x.h:3:1: warning: odd\n";
        List<Diagnostic> d = new KbuildLog("/b", "d", List.of("/k")).parse(new BufferedReader(new StringReader(log)));
        assertThat(d).containsExactly(new Diagnostic(Severity.WARNING, "/k/include/linux/x.h", 3, 1, "odd"));
    }
}
