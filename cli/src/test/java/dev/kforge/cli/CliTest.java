package dev.kforge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.exec.LocalProcessRunner;
import dev.kforge.core.exec.ProcessResult;
import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.manifest.ManifestLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI through picocli's execute, with captured stdout/stderr and exit codes. */
class CliTest {

    @TempDir
    Path dir;

    @TempDir
    Path cache;

    record Run(int code, String out, String err) {}

    Run run(Path cwd, String... args) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("KFORGE_CACHE_DIR", cache.toString());
        ItSupport.Run r = ItSupport.inProcess(cwd, env, new LocalProcessRunner(), args);
        return new Run(r.code(), r.out(), r.err());
    }

    /** A workspace with a fake kernel source directory: just what inspection reads. */
    static void workspace(Path root) {
        new TestWorkspace(root)
                .cDriver("drivers/hello")
                .rustDriver("drivers/rusty")
                .write("kernel/Makefile", "VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 99\nEXTRAVERSION =\nNAME = Test\n")
                .write("kernel/arch/x86/Kconfig", "config X86\n\tselect HAVE_RUST\t\t\tif X86_64\n")
                .write("kernel/arch/arm64/Kconfig", "config ARM64\n\tdef_bool y\n")
                .manifest("""
                        [workspace]
                        name = "t"

                        [[kernel]]
                        name = "k"
                        source = "kernel"

                        [[driver]]
                        name = "hello"
                        path = "drivers/hello"

                        [[driver]]
                        name = "rusty"
                        path = "drivers/rusty"
                        arches = ["arm64"]

                        [[matrix]]
                        arches = ["x86_64", "arm64"]
                        """);
    }

    @BeforeEach
    void setUp() {
        workspace(dir);
    }

    @Test
    void versionAndHelp() {
        Run v = run(dir, "--version");
        assertThat(v.code()).isZero();
        assertThat(v.out()).startsWith("kforge 0.1.0");
        Run h = run(dir, "--help");
        assertThat(h.code()).isZero();
        assertThat(h.out()).contains("plan", "build", "doctor", "explain", "Exit codes:", "130 interrupted");
    }

    @Test
    void planPrintsCanonicalJsonToStdoutOnly() {
        Run a = run(dir, "plan");
        assertThat(a.code()).isZero();
        assertThat(a.out()).startsWith("{\n  \"format\" : 1,\n");
        assertThat(a.out())
                .contains(
                        "\"id\" : \"build/hello/k/arm64-gcc\"",
                        "\"id\" : \"prepare/k/x86_64-gcc\"",
                        "\"cell\" : \"rusty/k/arm64-gcc\"",
                        "\"planHash\" : \"");
        assertThat(a.out()).doesNotContain(dir.toString()).doesNotContain(cache.toString());
        assertThat(a.err()).isEmpty();
        Run spelled = run(dir, "plan", "-f", "kforge.toml");
        assertThat(spelled.code()).isZero();
        assertThat(spelled.out()).isEqualTo(a.out());
    }

    @Test
    void theSameWorkspaceInAnotherDirectoryHasTheSamePlan() throws Exception {
        Path other = Files.createDirectories(
                dir.resolveSibling(dir.getFileName() + "-copy").resolve("deeper/still"));
        workspace(other);
        Run there = run(other, "plan");
        Run here = run(dir, "plan");
        assertThat(there.code()).isZero();
        assertThat(here.code()).isZero();
        assertThat(there.out()).isEqualTo(here.out());
    }

    /** planHash and skip reasons do not depend on how -f names the manifest or where kforge runs. */
    @Test
    void thePlanDoesNotDependOnHowTheManifestIsNamed() throws Exception {
        Files.writeString(
                dir.resolve("kforge.toml"),
                Files.readString(dir.resolve("kforge.toml"))
                        .replace(
                                "arches = [\"x86_64\", \"arm64\"]",
                                "arches = [\"x86_64\", \"arm64\"]\nexclude = [{ arch = \"arm64\" }]"));
        Run inside = run(dir, "plan");
        Run outside = run(dir.getParent(), "plan", "-f", dir.getFileName() + "/kforge.toml");
        Run dotted = run(dir, "plan", "-f", "./../" + dir.getFileName() + "/kforge.toml");
        assertThat(inside.code()).as(inside.err()).isZero();
        assertThat(outside.code()).as(outside.err()).isZero();
        assertThat(dotted.code()).as(dotted.err()).isZero();
        assertThat(inside.out()).contains("excluded by the matrix at kforge.toml:");
        assertThat(outside.out()).isEqualTo(inside.out());
        assertThat(dotted.out()).isEqualTo(inside.out());
    }

    @Test
    void aShardPrintsItsJsonPlanAndImpossibleCombinationsAreUsageErrors() {
        Run whole = run(dir, "plan");
        Run shard = run(dir, "plan", "--format", "json", "--shard", "1/2");
        assertThat(shard.code()).as(shard.err()).isZero();
        assertThat(shard.out()).startsWith("{\n").contains("\"shard\" : \"1/2\"");
        String hash = whole.out().substring(whole.out().indexOf("\"planHash\""));
        assertThat(shard.out()).contains(hash.substring(0, hash.indexOf('\n')));
        assertThat(shard.out().split("\"kind\" :").length)
                .isLessThan(whole.out().split("\"kind\" :").length);
        Run both = run(dir, "plan", "--format", "github-matrix", "--shard", "1/2");
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).contains("--shard cannot be combined with --format github-matrix");
        Run shards = run(dir, "plan", "--format", "json", "--shards", "3");
        assertThat(shards.code()).isEqualTo(2);
        assertThat(shards.err()).contains("--shards applies to --format github-matrix or gitlab-child only");
    }

    @Test
    void planAsText() {
        Run r = run(dir, "plan", "--format", "text");
        assertThat(r.code()).isZero();
        assertThat(r.out())
                .contains("build/hello/k/x86_64-gcc  <- prepare/k/x86_64-gcc")
                .contains("skip rusty/k/arm64-gcc: kernel 6.1.99 has no HAVE_RUST for arm64");
    }

    @Test
    void manifestErrorExitsTwoWithPosition() throws Exception {
        Files.writeString(
                dir.resolve("kforge.toml"),
                Files.readString(dir.resolve("kforge.toml"))
                        .replace("[[matrix]]\narches = [", "[[matrix]]\narchs = ["));
        Run r = run(dir, "plan");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err())
                .isEqualTo("kforge: error: kforge.toml:18:1: unknown key 'archs' in matrix[0]\n"
                        + "  hint: did you mean 'arches'?\n");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void missingManifestExitsTwo() {
        Run r = run(dir, "plan", "-f", "nope.toml");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).startsWith("kforge: error: manifest nope.toml not found\n  hint: ");
    }

    @Test
    void missingKernelIsAnEnvironmentError() throws Exception {
        Files.writeString(
                dir.resolve("kforge.toml"),
                Files.readString(dir.resolve("kforge.toml"))
                        .replace("source = \"kernel\"", "source = \"/nonexistent/linux-source-9.9.tar.xz\""));
        Run r = run(dir, "plan");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err())
                .contains("kernel 'k': /nonexistent/linux-source-9.9.tar.xz does not exist")
                .contains("hint: apt-get install linux-source");
    }

    @Test
    void aKernelPathThatIsNotAKernelTreeIsAOneLineEnvironmentError() throws Exception {
        Files.createDirectories(dir.resolve("not-a-kernel"));
        Files.writeString(
                dir.resolve("kforge.toml"),
                Files.readString(dir.resolve("kforge.toml"))
                        .replace("source = \"kernel\"", "headers = \"not-a-kernel\""));
        Run r = run(dir, "plan");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err().lines().toList()).hasSize(2);
        assertThat(r.err())
                .startsWith(
                        "kforge: error: kernel 'k': " + dir.resolve("not-a-kernel") + " is not a prepared kernel tree")
                .contains("  hint: ");
    }

    @Test
    void aDriverSymlinkedOutOfTheWorkspaceIsRejected() throws Exception {
        Path outside = Files.createDirectories(cache.resolve("outside-driver"));
        Files.writeString(outside.resolve("Kbuild"), "obj-m += x.o\n");
        Files.createSymbolicLink(dir.resolve("drivers/linked"), outside);
        Files.writeString(
                dir.resolve("kforge.toml"),
                Files.readString(dir.resolve("kforge.toml"))
                        .replace("path = \"drivers/hello\"", "path = \"drivers/linked\""));
        Run r = run(dir, "plan");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err())
                .contains("kforge.toml:10:1: driver 'hello': 'drivers/linked' resolves (through a symbolic link) "
                        + "outside the workspace");
    }

    @Test
    void unknownOptionExitsTwo() {
        Run r = run(dir, "plan", "--frobnicate");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Unknown option: '--frobnicate'").contains("hint: kforge plan --help");
    }

    @Test
    void listArchesAndToolchains() {
        Run a = run(dir, "list", "arches");
        assertThat(a.code()).isZero();
        assertThat(a.out()).contains("armhf", "multi_v7_defconfig", "arm-linux-gnueabihf-", "aarch64");
        Run t = run(dir, "list", "toolchains");
        assertThat(t.code()).isZero();
        assertThat(t.out()).contains("llvm", "LLVM=1", "clang,lld,llvm");
    }

    @Test
    void completionScript() {
        Run r = run(dir, "completion");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("complete -F").contains("plan").contains("build");
    }

    @Test
    void explainPrintsTheCommandsOfOneCell() {
        Run r = run(dir, "explain", "hello/k/arm64-gcc");
        assertThat(r.code()).isZero();
        assertThat(r.out())
                .contains("# prepare/k/arm64-gcc")
                .contains("make -C " + dir.resolve("kernel") + " O=" + cache.resolve("trees"))
                .contains("ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- M="
                        + dir.resolve(".kforge/build/k/arm64-gcc/hello"))
                .contains("cp -a " + dir.resolve("drivers/hello") + "/. ");
        Run skipped = run(dir, "explain", "rusty/k/arm64-gcc");
        assertThat(skipped.code()).isEqualTo(2);
        assertThat(skipped.err())
                .contains("cell rusty/k/arm64-gcc is skipped: kernel 6.1.99 has no HAVE_RUST for arm64");
        assertThat(run(dir, "explain", "nope/k/x86_64-gcc").code()).isEqualTo(2);
    }

    @Test
    void buildRejectsAnUnknownCell() {
        Run r = run(dir, "build", "nothing/here/x86_64-gcc");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("no cell matches nothing/here/x86_64-gcc");
    }

    @Test
    void initWritesAManifestThatLoads() throws Exception {
        Path ws = Files.createDirectories(dir.resolve("newws"));
        new TestWorkspace(ws).cDriver("drv/one").cDriver("drv/two");
        Run r = run(ws, "init");
        assertThat(r.code()).isZero();
        String toml = Files.readString(ws.resolve("kforge.toml"));
        assertThat(toml)
                .contains("name = \"one\"\npath = \"drv/one\"", "name = \"two\"\npath = \"drv/two\"", "[[matrix]]");
        // Debian's kernel lines are proposed; uncommented, they load as a kernel line.
        assertThat(toml).contains("# [[kernel]]\n# name = \"lines\"\n# debian = \"latest\"\n# suites = [");
        String uncommented = toml.replaceAll("(?m)^# (\\[\\[kernel]]|name = \"lines\"|debian = |suites = )", "$1")
                .replace("kernels = [", "kernels = [\"lines\", ");
        Files.writeString(ws.resolve("kforge.toml"), uncommented);
        var lines = new ManifestLoader(Catalog.builtIn()).load(ws.resolve("kforge.toml"), "kforge.toml");
        assertThat(lines.kernel("lines").orElseThrow().suites()).contains("bullseye", "sid");
        assertThat(run(ws, "init").code()).isEqualTo(2);
    }

    @Test
    void initEscapesWhatItWritesSoTheManifestLoads() throws Exception {
        Path ws = Files.createDirectories(dir.resolve("odd \"ws\" \\ name"));
        new TestWorkspace(ws).cDriver("drv/my \"quoted\" drv").cDriver("drv/tab\there");
        Run r = run(ws, "init");
        assertThat(r.code()).as(r.err()).isZero();
        String toml = Files.readString(ws.resolve("kforge.toml"));
        assertThat(toml)
                .contains("path = \"drv/my \\\"quoted\\\" drv\"")
                .contains("path = \"drv/tab\\there\"")
                .contains("name = \"odd \\\"ws\\\" \\\\ name\"");
        var loaded = new ManifestLoader(Catalog.builtIn()).load(ws.resolve("kforge.toml"), "kforge.toml");
        assertThat(loaded.name()).isEqualTo("odd \"ws\" \\ name");
        assertThat(loaded.drivers())
                .extracting(d -> d.path())
                .containsExactlyInAnyOrder("drv/my \"quoted\" drv", "drv/tab\there");
    }

    @Test
    void verifyThatCheckedNoModuleFails() throws Exception {
        Files.writeString(
                dir.resolve("kforge.toml"),
                Files.readString(dir.resolve("kforge.toml"))
                        .replace("[[driver]]\nname = \"hello\"\npath = \"drivers/hello\"\n", ""));
        Run r = run(dir, "verify");
        assertThat(r.code()).as(r.err() + r.out()).isEqualTo(1);
        assertThat(r.out()).contains("0 module(s) checked");
        assertThat(r.err()).contains("nothing was verified");
    }

    @Test
    void quietAndVerboseTogetherIsAUsageError() {
        Run r = run(dir, "-q", "-v", "plan");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("-q and -v");
    }

    /**
     * A bug met in one step (here the process runner throws for one cell's make) fails that cell
     * only: the other cell builds, every report is written and counts it, and the exit code is 1.
     */
    @Test
    void anUnexpectedExceptionInOneStepFailsThatStepAndTheRunGoesOn() throws Exception {
        Path ws = Files.createDirectories(dir.resolve("bug"));
        new TestWorkspace(ws)
                .cDriver("drivers/good")
                .cDriver("drivers/buggy")
                .write("hdrs/Makefile", "# a headers tree as far as kforge looks\n")
                .write(
                        "hdrs/.config",
                        "#\n# Automatically generated file; DO NOT EDIT.\n# Linux/riscv 6.1.192 Kernel Configuration\n#\n"
                                + "CONFIG_64BIT=y\nCONFIG_MODULES=y\n")
                .write("hdrs/include/generated/utsrelease.h", "#define UTS_RELEASE \"6.1.192\"\n")
                .write("hdrs/Module.symvers", "")
                .manifest("""
                        [[kernel]]
                        name = "h"
                        headers = "hdrs"
                        [[driver]]
                        name = "good"
                        path = "drivers/good"
                        [[driver]]
                        name = "buggy"
                        path = "drivers/buggy"
                        [[matrix]]
                        arches = ["riscv64"]
                        """);
        Path module =
                Path.of(CliTest.class.getResource("/ko/kf_core-riscv64.ko").toURI());
        LocalProcessRunner real = new LocalProcessRunner();
        ProcessRunner runner = spec -> {
            String m = spec.argv().stream()
                    .filter(a -> a.startsWith("M="))
                    .findFirst()
                    .orElse("");
            if (m.endsWith("/buggy")) {
                throw new IllegalStateException("boom: a bug met in one step");
            }
            if (m.endsWith("/good")) {
                Files.copy(module, Path.of(m.substring(2)).resolve("good.ko"));
                return new ProcessResult(0, false, Duration.ZERO, "");
            }
            return real.run(spec);
        };
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("KFORGE_CACHE_DIR", cache.toString());
        ItSupport.Run run = ItSupport.inProcess(ws, env, runner, "build", "--no-cache", "--junit", "junit.xml");

        assertThat(run.code()).as(run.err()).isEqualTo(1);
        assertThat(run.out()).contains("2 cells: 1 built, 0 cached, 1 failed, 0 skipped");
        assertThat(run.err())
                .contains("FAILED buggy/h/riscv64-gcc: internal error in kforge: "
                        + "java.lang.IllegalStateException: boom: a bug met in one step");
        var cells = ItSupport.cells(ws.resolve("out"));
        assertThat(cells.get("good/h/riscv64-gcc")).containsEntry("status", "built");
        assertThat(cells.get("buggy/h/riscv64-gcc"))
                .containsEntry("status", "failed")
                .containsEntry("error", true);
        assertThat(Files.readString(ws.resolve("out/h/riscv64-gcc/buggy/build.log")))
                .contains("IllegalStateException: boom")
                .contains("\tat ");
        assertThat(ws.resolve("out/h/riscv64-gcc/good/good.ko")).isRegularFile();
        assertThat(Files.readString(ws.resolve("out/SHA256SUMS"))).contains("h/riscv64-gcc/good/good.ko");
        assertThat(Files.readString(ws.resolve("junit.xml")))
                .contains("tests=\"2\" failures=\"0\" errors=\"1\" skipped=\"0\"")
                .contains("<error type=\"failed\" message=\"internal error in kforge");
    }
}
