package dev.kforge.kbuild;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.cache.CacheDirs;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.exec.LocalProcessRunner;
import dev.kforge.core.exec.ProcessResult;
import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.exec.ProcessSpec;
import dev.kforge.core.exec.StepResult;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The executor with make faked at the process-runner port; file commands (rm, mkdir, cp) run for real. */
class KbuildStepExecutorTest {

    @TempDir
    Path dir;

    Path ws;
    Path tree;
    Roots roots;
    FakeMake make;

    /** Answers make; records its argv and env. */
    static final class FakeMake implements ProcessRunner {
        final List<ProcessSpec> makes = new ArrayList<>();
        final LocalProcessRunner real = new LocalProcessRunner();
        Function<ProcessSpec, Integer> behaviour = spec -> 0;

        @Override
        public ProcessResult run(ProcessSpec spec) throws IOException, InterruptedException {
            if (!spec.argv().get(0).equals("make")) {
                return real.run(spec);
            }
            makes.add(spec);
            int code = behaviour.apply(spec);
            return new ProcessResult(code, false, Duration.ofMillis(1), "");
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        ws = Files.createDirectories(dir.resolve("ws"));
        Files.createDirectories(ws.resolve("drivers/kf_core"));
        Files.writeString(ws.resolve("drivers/kf_core/Kbuild"), "obj-m += kf_core.o\n");
        tree = Files.createDirectories(dir.resolve("cache/trees/t1"));
        Files.writeString(tree.resolve(".config"), "# Linux/riscv 6.1.192 Kernel Configuration\nCONFIG_PCI=y\n");
        Files.createDirectories(tree.resolve("include/generated"));
        Files.writeString(tree.resolve("include/generated/utsrelease.h"), "#define UTS_RELEASE \"6.1.192\"\n");
        roots = new Roots(
                ws,
                ws.resolve("out"),
                ws.resolve(".kforge/build"),
                dir.resolve("cache/trees"),
                Map.of("v6.1", dir.resolve("src")),
                2);
        Files.createDirectories(dir.resolve("src"));
        make = new FakeMake();
    }

    KbuildStepExecutor executor() {
        var tools = new TreeMap<String, String>();
        tools.put("riscv64-linux-gnu-gcc", "riscv64-linux-gnu-gcc 12.2.0");
        return new KbuildStepExecutor(
                roots, make, Catalog.builtIn(), new CacheDirs(dir.resolve("cache")), tools, Optional.empty());
    }

    Step build(String arch, String requires) {
        String b = "${build}/v6.1/" + arch + "-gcc/kf_core";
        var attrs = new TreeMap<String, String>();
        attrs.put("driver", "kf_core");
        attrs.put("kernel", "v6.1");
        attrs.put("arch", arch);
        attrs.put("toolchain", "gcc");
        attrs.put("language", "c");
        attrs.put("sourcePath", "drivers/kf_core");
        attrs.put("buildDir", b);
        attrs.put("outDir", "${out}/v6.1/" + arch + "-gcc/kf_core");
        attrs.put("tree", "${trees}/t1");
        attrs.put("requires", requires);
        var env = new TreeMap<String, String>();
        env.put("LC_ALL", "C");
        return new Step(
                "build/kf_core/v6.1/" + arch + "-gcc",
                Step.Kind.BUILD,
                List.of(
                        List.of("rm", "-rf", b),
                        List.of("mkdir", "-p", b),
                        List.of("cp", "-a", "${workspace}/drivers/kf_core/.", b),
                        List.of(
                                "make",
                                "-C",
                                "${kernel:v6.1}",
                                "O=${trees}/t1",
                                "ARCH=riscv",
                                "CROSS_COMPILE=riscv64-linux-gnu-",
                                "M=" + b,
                                "-j${jobs}",
                                "modules")),
                env,
                "${workspace}",
                List.of(),
                List.of(),
                List.of(),
                attrs);
    }

    /** make "builds" by dropping the real riscv64 fixture module into M=. */
    void makeBuildsTheFixture() {
        make.behaviour = spec -> {
            String m = spec.argv().stream()
                    .filter(a -> a.startsWith("M="))
                    .findFirst()
                    .orElseThrow()
                    .substring(2);
            try {
                ElfTest.fixture(Path.of(m));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return 0;
        };
    }

    @Test
    void buildResolvesRootsPublishesModulesAndMetadata() throws Exception {
        makeBuildsTheFixture();
        StepResult r = executor().execute(build("riscv64", "CONFIG_PCI"));
        assertThat(r.status()).as(r.message()).isEqualTo(StepStatus.BUILT);
        ProcessSpec spec = make.makes.get(0);
        Path b = ws.resolve(".kforge/build/v6.1/riscv64-gcc/kf_core");
        assertThat(spec.argv())
                .containsExactly(
                        "make",
                        "-C",
                        dir.resolve("src").toString(),
                        "O=" + tree,
                        "ARCH=riscv",
                        "CROSS_COMPILE=riscv64-linux-gnu-",
                        "M=" + b,
                        "-j2",
                        "modules");
        assertThat(spec.env()).containsExactly(Map.entry("LC_ALL", "C"));
        assertThat(spec.cwd()).isEqualTo(ws);
        Path out = ws.resolve("out/v6.1/riscv64-gcc/kf_core");
        assertThat(out.resolve("kf_core.ko")).isRegularFile();
        assertThat(out.resolve("build.log")).content().contains("$ make -C ");
        String meta = Files.readString(out.resolve("metadata.json"));
        assertThat(meta)
                .contains(
                        "\"release\" : \"6.1.192\"",
                        "\"elfMachine\" : \"EM_RISCV\"",
                        "\"status\" : \"built\"",
                        "\"cell\" : \"kf_core/v6.1/riscv64-gcc\"",
                        "\"vermagic\" : \"6.1.192 SMP");
        // The copy was built, never the user's directory.
        assertThat(ws.resolve("drivers/kf_core/kf_core.ko")).doesNotExist();
    }

    @Test
    void aModuleForTheWrongMachineFailsTheCell() throws Exception {
        makeBuildsTheFixture();
        StepResult r = executor().execute(build("x86_64", ""));
        assertThat(r.status()).isEqualTo(StepStatus.FAILED);
        assertThat(r.message()).isEqualTo("kf_core.ko has ELF machine 243, expected 62 (EM_X86_64)");
        assertThat(ws.resolve("out/v6.1/x86_64-gcc/kf_core/kf_core.ko")).doesNotExist();
    }

    @Test
    void aFailedMakeKeepsTheLogAndNoModule() throws Exception {
        make.behaviour = spec -> {
            try {
                Files.writeString(spec.log().orElseThrow(), "/x/y.c:3:1: error: boom\n", StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return 2;
        };
        StepResult r = executor().execute(build("riscv64", ""));
        assertThat(r.status()).isEqualTo(StepStatus.FAILED);
        assertThat(r.message()).isEqualTo("/x/y.c:3:1: error: boom");
        Path out = ws.resolve("out/v6.1/riscv64-gcc/kf_core");
        assertThat(out.resolve("build.log")).isRegularFile();
        assertThat(out.resolve("metadata.json")).content().contains("\"status\" : \"failed\"");
        assertThat(out.resolve("kf_core.ko")).doesNotExist();
    }

    @Test
    void aMissingConfigOptionSkipsWithoutRunningMake() throws Exception {
        StepResult r = executor().execute(build("riscv64", "CONFIG_PCI,CONFIG_USB"));
        assertThat(r.status()).isEqualTo(StepStatus.SKIPPED);
        assertThat(r.message()).isEqualTo("kernel tree lacks CONFIG_USB");
        assertThat(make.makes).isEmpty();
    }

    Step prepare(String fragments, String expect) {
        var attrs = new TreeMap<String, String>();
        attrs.put("tree", "${trees}/t2");
        attrs.put("fragments", fragments);
        attrs.put("expect", expect);
        List<String> m = List.of(
                "make", "-C", "${kernel:v6.1}", "O=${trees}/t2", "ARCH=riscv", "CROSS_COMPILE=riscv64-linux-gnu-");
        return new Step(
                "prepare/v6.1/riscv64-gcc",
                Step.Kind.PREPARE,
                List.of(concat(m, "defconfig"), concat(m, "olddefconfig"), concat(m, "-j${jobs}", "modules_prepare")),
                new TreeMap<>(),
                "${kernel:v6.1}",
                List.of(),
                List.of(),
                List.of(),
                attrs);
    }

    /** make "prepares" by writing the files a prepared tree has. */
    void makePrepares(String config) {
        make.behaviour = spec -> {
            Path t = dir.resolve("cache/trees/t2");
            try {
                Files.createDirectories(t.resolve("include/generated"));
                Files.writeString(t.resolve(".config"), config);
                Files.writeString(t.resolve("include/generated/utsrelease.h"), "#define UTS_RELEASE \"6.1.192\"\n");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return 0;
        };
    }

    @Test
    void aPreparedTreeIsReusedAndAHalfPreparedOneRedone() throws Exception {
        makePrepares("CONFIG_PCI=y\n");
        assertThat(executor().execute(prepare("", "")).status()).isEqualTo(StepStatus.BUILT);
        assertThat(make.makes).hasSize(3);
        String marker = Files.readString(dir.resolve("cache/trees/t2/" + KbuildStepExecutor.MARKER));
        assertThat(marker).contains("\"ARCH\" : \"riscv\"", "\"CROSS_COMPILE\" : \"riscv64-linux-gnu-\"");

        StepResult again = executor().execute(prepare("", ""));
        assertThat(again.status()).isEqualTo(StepStatus.CACHED);
        assertThat(make.makes).hasSize(3);

        // A file deleted from a prepared tree is noticed, and the tree prepared again.
        Files.delete(dir.resolve("cache/trees/t2/include/generated/utsrelease.h"));
        assertThat(executor().execute(prepare("", "")).status()).isEqualTo(StepStatus.BUILT);
        assertThat(make.makes).hasSize(6);
        assertThat(executor().execute(prepare("", "")).status()).isEqualTo(StepStatus.CACHED);

        // A killed run leaves a tree without its marker: it is discarded and prepared again.
        Files.delete(dir.resolve("cache/trees/t2/" + KbuildStepExecutor.MARKER));
        Files.writeString(dir.resolve("cache/trees/t2/stray-half-written"), "x");
        assertThat(executor().execute(prepare("", "")).status()).isEqualTo(StepStatus.BUILT);
        assertThat(make.makes).hasSize(9);
        assertThat(dir.resolve("cache/trees/t2/stray-half-written")).doesNotExist();
    }

    @Test
    void anOptionKconfigDroppedFailsThePrepare() throws Exception {
        Path frag = ws.resolve("extra.config");
        Files.writeString(frag, "CONFIG_PCI=y\nCONFIG_KFORGE_TEST=y\n");
        makePrepares("CONFIG_PCI=y\n# CONFIG_RUST is not set\n");
        StepResult r = executor().execute(prepare("${workspace}/extra.config", "CONFIG_RUST=y"));
        assertThat(r.status()).isEqualTo(StepStatus.FAILED);
        assertThat(r.message()).startsWith("Kconfig did not take CONFIG_KFORGE_TEST=y (got n), CONFIG_RUST=y (got n;");
        assertThat(make.makes).hasSize(2); // defconfig, olddefconfig; never modules_prepare
        assertThat(dir.resolve("cache/trees/t2/" + KbuildStepExecutor.MARKER)).doesNotExist();
    }

    static List<String> concat(List<String> a, String... more) {
        List<String> out = new ArrayList<>(a);
        out.addAll(List.of(more));
        return out;
    }

    /** The kernel refuses a module whose vermagic names another release: kforge fails the cell instead of warning. */
    @Test
    void aVermagicThatDiffersFromTheTreesReleaseFailsTheCell() throws Exception {
        Files.writeString(tree.resolve("include/generated/utsrelease.h"), "#define UTS_RELEASE \"6.1.999\"\n");
        makeBuildsTheFixture();
        StepResult r = executor().execute(build("riscv64", ""));
        assertThat(r.status()).isEqualTo(StepStatus.FAILED);
        assertThat(r.message()).startsWith("kf_core.ko: vermagic release 6.1.192 differs from the tree's 6.1.999");
        Path out = ws.resolve("out/v6.1/riscv64-gcc/kf_core");
        assertThat(out.resolve("kf_core.ko")).doesNotExist();
        assertThat(out.resolve("metadata.json")).content().contains("\"status\" : \"failed\"");
    }

    @Test
    void symbolsAreCheckedOnlyWhereTheTreeHasModuleSymvers() throws Exception {
        makeBuildsTheFixture();
        StepResult without = executor().execute(build("riscv64", ""));
        assertThat(without.artifacts().symbols()).isEqualTo("unchecked");
        Files.writeString(tree.resolve("Module.symvers"), "0x00000000\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n");
        StepResult with = executor().execute(build("riscv64", ""));
        assertThat(with.artifacts().symbols()).isEqualTo("checked");
        assertThat(ws.resolve("out/v6.1/riscv64-gcc/kf_core/metadata.json"))
                .content()
                .contains("\"symbols\" : \"checked\"");
    }
}
