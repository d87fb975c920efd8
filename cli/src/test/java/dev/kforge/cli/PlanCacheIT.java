package dev.kforge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.service.PlanCache;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plan cache through the real launcher, adapters and files: an unchanged workspace is not
 * planned again, and each kind of thing planning reads, changed, is planned again into exactly the
 * plan kforge makes with the cache off ({@code KFORGE_NO_PLAN_CACHE=1}). Which of the two happened
 * is read from {@code -v}'s debug lines.
 */
class PlanCacheIT {

    private static final String HIT = "using the plan remembered";

    @TempDir
    Path ws;

    @TempDir
    Path cache;

    /** A directory first on PATH, where a test puts a program that shadows the machine's. */
    @TempDir
    Path bin;

    private String remembered;

    record Proc(int code, String out, String err) {}

    private Proc kforge(Map<String, String> extraEnv, String... args) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of(ItSupport.launcher().toString()));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).directory(ws.toFile());
        Map<String, String> env = pb.environment();
        env.put("KFORGE_CACHE_DIR", cache.toString());
        env.put("PATH", bin + ":" + System.getenv("PATH"));
        env.remove(PlanCache.OFF);
        env.putAll(extraEnv);
        Path err = Files.createTempFile(cache, "err", ".txt");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        return new Proc(code, out, Files.readString(err));
    }

    /** kforge -v plan: the plan's JSON, and whether it was the remembered one. */
    private Proc plan(Map<String, String> env) throws Exception {
        Proc p = kforge(env, "-v", "plan", "-f", "kforge.toml");
        assertThat(p.code()).as(p.err()).isZero();
        return p;
    }

    private Proc plan() throws Exception {
        return plan(Map.of());
    }

    /** The plan made with the cache off, for the same workspace and machine. */
    private String fresh(Map<String, String> env) throws Exception {
        Map<String, String> off = new HashMap<>(env);
        off.put(PlanCache.OFF, "1");
        Proc p = kforge(off, "plan", "-f", "kforge.toml");
        assertThat(p.code()).as(p.err()).isZero();
        return p.out();
    }

    private void write(String rel, String text) throws IOException {
        Path f = ws.resolve(rel);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
    }

    /** A headers tree as planning reads it (the plan is all these tests run: no make). */
    private void headersTree(String dir, String release, String config) throws IOException {
        write(dir + "/.config", "# Linux/x86 6.1.0 Kernel Configuration\nCONFIG_64BIT=y\nCONFIG_MODULES=y\n" + config);
        write(dir + "/include/generated/utsrelease.h", "#define UTS_RELEASE \"" + release + "\"\n");
        write(dir + "/Makefile", "include /dev/null\n");
    }

    @BeforeEach
    void workspace() throws Exception {
        headersTree("trees/linux-headers-6.1.0-1-amd64", "6.1.0-1-amd64", "");
        write("src/Makefile", "VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 99\nEXTRAVERSION =\n");
        write("src/arch/x86/Kconfig", "config X86\n\tdef_bool y\n");
        write("configs/extra.config", "CONFIG_PRINTK=y\n");
        write("drivers/hello/Kbuild", "obj-m += hello.o\n");
        write("drivers/hello/hello.c", "int x;\n");
        write("kforge.toml", """
                [[kernel]]
                name = "host"
                headers = "trees/linux-headers-*-amd64"

                [[kernel]]
                name = "src"
                source = "src"
                fragments = ["configs/extra.config"]

                [[driver]]
                name = "hello"
                path = "drivers/hello"

                [[matrix]]
                arches = ["x86_64"]
                toolchains = ["gcc", "llvm"]
                """);
    }

    /** Settles the workspace, plans once (remembered) and again (reused), and checks both against a fresh plan. */
    private void remember(Map<String, String> env) throws Exception {
        Thread.sleep(2_100); // files written in the last two seconds are not trusted by their stamps
        Proc first = plan(env); // planned (or, for a configuration seen before in this test, reused)
        Proc second = plan(env);
        assertThat(second.err()).contains(HIT);
        remembered = second.out();
        assertThat(remembered).isEqualTo(first.out()).isEqualTo(fresh(env));
    }

    private void remember() throws Exception {
        remember(Map.of());
    }

    /** After a change: planned again (not reused) into the plan the cache-off run makes, which differs from before. */
    private void replannedTo(Map<String, String> env, boolean planChanges) throws Exception {
        Proc after = plan(env);
        assertThat(after.err()).as("planned again").doesNotContain(HIT);
        assertThat(after.out()).isEqualTo(fresh(env));
        if (planChanges) {
            assertThat(after.out()).isNotEqualTo(remembered);
        }
    }

    private void replannedTo(boolean planChanges) throws Exception {
        replannedTo(Map.of(), planChanges);
    }

    @Test
    void anUnchangedWorkspaceIsNotPlannedAgain() throws Exception {
        // Just written: a change in the same clock tick could leave a stamp as it was, so nothing is remembered yet.
        assertThat(plan().err()).doesNotContain(HIT).contains("the plan is not remembered");
        assertThat(plan().err()).doesNotContain(HIT);
        remember();
        assertThat(plan().err()).contains(HIT);
        // build --no-cache plans afresh (its make fails on this stand-in tree: planning is what is checked)
        Proc noCache = kforge(Map.of(), "-v", "build", "--no-cache", "-f", "kforge.toml", "hello/host/*");
        assertThat(noCache.err()).doesNotContain(HIT).contains("plan cache: not used (--no-cache)");
        // cache clear forgets remembered plans too
        assertThat(plan().err()).contains(HIT);
        Proc clear = kforge(Map.of(), "cache", "clear");
        assertThat(clear.code()).isZero();
        assertThat(clear.out()).contains("step cache and remembered plans cleared");
        assertThat(plan().err()).doesNotContain(HIT).contains("no plan remembered");
    }

    @Test
    void aHeadersTreesConfigIsRead() throws Exception {
        remember();
        write(
                "trees/linux-headers-6.1.0-1-amd64/.config",
                "# Linux/x86 6.1.0 Kernel Configuration\nCONFIG_64BIT=y\n"
                        + "CONFIG_MODULES=y\nCONFIG_CC_IS_CLANG=y\n");
        replannedTo(true);
    }

    @Test
    void aHeadersTreesModuleSymversAndReleaseAreRead() throws Exception {
        remember();
        write("trees/linux-headers-6.1.0-1-amd64/Module.symvers", "0x12345678\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n");
        replannedTo(true);
        remember();
        write(
                "trees/linux-headers-6.1.0-1-amd64/include/generated/utsrelease.h",
                "#define UTS_RELEASE \"6.1.0-1b-amd64\"\n");
        replannedTo(true);
    }

    @Test
    void aNewerTreeMatchingTheGlobIsTaken() throws Exception {
        remember();
        headersTree("trees/linux-headers-6.1.0-2-amd64", "6.1.0-2-amd64", "");
        replannedTo(true);
    }

    @Test
    void aSourceKernelsMakefileKconfigAndFragmentsAreRead() throws Exception {
        remember();
        write("configs/extra.config", "CONFIG_PRINTK=n\n");
        replannedTo(true);
        remember();
        write("src/Makefile", "VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 100\nEXTRAVERSION =\n");
        replannedTo(true);
        remember();
        write("src/arch/arm64/Kconfig", "config ARM64\n\tselect HAVE_RUST\n");
        replannedTo(false);
    }

    @Test
    void aToolThatNowComesFirstOnPathIsProbed() throws Exception {
        remember();
        Path make = bin.resolve("make");
        Files.writeString(
                make,
                "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'GNU Make 99.0'; exit 0; fi\nexec /usr/bin/make \"$@\"\n");
        make.toFile().setExecutable(true);
        replannedTo(true);
    }

    @Test
    void theManifestTheEnvironmentAndADriversFilesAreSeen() throws Exception {
        remember();
        Files.writeString(
                ws.resolve("kforge.toml"),
                Files.readString(ws.resolve("kforge.toml")).replace("\"gcc\", \"llvm\"", "\"gcc\""));
        replannedTo(true);
        remember();
        replannedTo(Map.of("SOURCE_DATE_EPOCH", "1234567890"), true);
        remember();
        write("drivers/hello/hello.rs", "// now a Rust driver\n");
        replannedTo(true);
    }

    @Test
    void aDamagedEntryIsPlannedAgainAndRewritten() throws Exception {
        remember();
        try (var entries = Files.list(cache.resolve("plans"))) {
            for (Path e : entries.toList()) {
                Files.writeString(e, "{\"format\": 1, \"inputs\": {}, \"plan\": ");
            }
        }
        Proc damaged = plan();
        assertThat(damaged.err()).doesNotContain(HIT).contains("unreadable");
        assertThat(damaged.out()).isEqualTo(remembered);
        assertThat(plan().err()).contains(HIT);
    }
}
