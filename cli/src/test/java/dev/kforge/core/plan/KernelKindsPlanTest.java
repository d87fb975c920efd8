package dev.kforge.core.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.json.CanonicalJson;
import dev.kforge.core.kernel.BootFacts;
import dev.kforge.core.kernel.BootRoot;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.manifest.ManifestLoader;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.ToolchainFamily;
import dev.kforge.core.model.Workspace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plans for the kernel kinds that check symbols (Debian's per-port trees, source kernels with
 * symvers), tests and signing, through every real step planner at once: the composition the cli
 * wires, which is why it lives here. The planner's own rules are tested in core (PlannerTest, over
 * fake step planners); each adapter's command lines in that adapter (KbuildPlanTest, CargoPlanTest).
 */
class KernelKindsPlanTest {

    @TempDir
    Path dir;

    Workspace workspace(String kernels, String arches) {
        new TestWorkspace(dir)
                .cDriver("drivers/a")
                .cDriver("drivers/b")
                .write("configs/m.config", "CONFIG_MODULES=y\n")
                .manifest(kernels + """
                        [[driver]]
                        name = "a"
                        path = "drivers/a"
                        [[driver]]
                        name = "b"
                        path = "drivers/b"
                        depends = ["a"]
                        [[matrix]]
                        arches = [%s]
                        """.formatted(arches));
        return new ManifestLoader(Catalog.builtIn()).load(dir.resolve("kforge.toml"), "kforge.toml");
    }

    static KernelFacts headers(String name, String arch, String release) {
        return new KernelFacts(
                name,
                KernelSource.Kind.HEADERS,
                "6.1.192",
                Digest.of(release),
                Optional.of(arch),
                Optional.of(ToolchainFamily.GCC),
                Optional.of(release),
                new TreeSet<>(),
                new TreeMap<>(Map.of("CONFIG_64BIT", "y")),
                new TreeMap<>(),
                new TreeMap<>(),
                new TreeMap<>(Map.of("package:linux-headers-" + release, "6.1.192-2 sha256:ab")));
    }

    @Test
    void aDebianKernelIsOneHeadersTreePerPortAndSkipsThePortsDebianLacks() {
        Workspace ws = workspace("[[kernel]]\nname = \"bookworm\"\ndebian = \"latest\"\n", "\"arm64\", \"riscv64\"");
        var arches = new TreeMap<String, KernelFacts>(Map.of("arm64", headers("bookworm", "arm64", "6.1.0-56-arm64")));
        var kernels = new TreeMap<String, KernelFacts>();
        kernels.put(
                "bookworm",
                new KernelFacts(
                        "bookworm",
                        KernelSource.Kind.DISTRO,
                        "6.1.192",
                        Digest.of("d"),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        new TreeSet<>(),
                        new TreeMap<>(),
                        arches,
                        new TreeMap<>(Map.of("riscv64", "Debian bookworm has no riscv64 port")),
                        new TreeMap<>()));
        BuildPlan plan = TestPlanners.planner()
                .plan(new PlanInput(ws, kernels, new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), 0L));

        Step b = plan.step("build/b/bookworm/arm64-gcc").orElseThrow();
        assertThat(b.commands().get(3))
                .startsWith("make", "-C", "${kernel:bookworm+arm64}")
                .contains("ARCH=arm64", "CROSS_COMPILE=aarch64-linux-gnu-")
                .noneMatch(a -> a.startsWith("KBUILD_MODPOST_WARN"));
        assertThat(b.attributes())
                .containsEntry("release", "6.1.0-56-arm64")
                .containsEntry("kernelPackages", "package:linux-headers-6.1.0-56-arm64=6.1.192-2 sha256:ab");
        assertThat(b.deps()).containsExactly("build/a/bookworm/arm64-gcc");
        assertThat(plan.steps()).noneMatch(s -> s.kind().isTree());
        assertThat(plan.kernels()).containsKey("bookworm+arm64");
        assertThat(plan.skipped())
                .extracting(s -> s.cell().id() + ": " + s.reason())
                .contains("a/bookworm/riscv64-gcc: Debian bookworm has no riscv64 port");
    }

    @Test
    void symversAddsOneTreeStepThatEveryCellOfTheTreeWaitsFor() {
        Workspace ws = workspace("""
                [[kernel]]
                name = "tiny"
                source = "/usr/src/linux-source-6.1.tar.xz"
                config = "tinyconfig"
                fragments = ["configs/m.config"]
                symvers = true
                [[kernel]]
                name = "plain"
                source = "/usr/src/linux-source-6.1.tar.xz"
                config = "tinyconfig"
                fragments = ["configs/m.config"]
                """, "\"x86_64\"");
        var kernels = new TreeMap<String, KernelFacts>();
        for (String k : List.of("tiny", "plain")) {
            kernels.put(
                    k,
                    new KernelFacts(
                            k,
                            KernelSource.Kind.SOURCE,
                            "6.1.192",
                            Digest.of("src"),
                            Optional.empty(),
                            Optional.empty(),
                            Optional.empty(),
                            new TreeSet<>(),
                            new TreeMap<>()));
        }
        var files = new TreeMap<String, Digest>(Map.of("configs/m.config", Digest.of("m")));
        BuildPlan plan =
                TestPlanners.planner().plan(new PlanInput(ws, kernels, new TreeMap<>(), files, new TreeMap<>(), 0L));

        Step prepare = plan.step("prepare/tiny/x86_64-gcc").orElseThrow();
        Step symvers = plan.step("symvers/tiny/x86_64-gcc").orElseThrow();
        String tree = prepare.attribute("tree");
        assertThat(symvers.kind()).isEqualTo(Step.Kind.SYMVERS);
        assertThat(symvers.deps()).containsExactly("prepare/tiny/x86_64-gcc");
        assertThat(symvers.commands().get(4))
                .contains("O=" + tree + ".vmlinux", "ARCH=x86_64", "-j${jobs}", "vmlinux", "modules");
        assertThat(symvers.outputs()).containsExactly(tree + "/Module.symvers");
        for (String d : List.of("a", "b")) {
            Step build = plan.step("build/" + d + "/tiny/x86_64-gcc").orElseThrow();
            assertThat(build.deps()).contains("prepare/tiny/x86_64-gcc", "symvers/tiny/x86_64-gcc");
            assertThat(build.commands().get(3)).noneMatch(a -> a.startsWith("KBUILD_MODPOST_WARN"));
        }
        // The same config without symvers is another tree (it must not see that Module.symvers) and warns.
        Step plain = plan.step("prepare/plain/x86_64-gcc").orElseThrow();
        assertThat(plain.attribute("tree")).isNotEqualTo(tree);
        assertThat(plan.step("symvers/plain/x86_64-gcc")).isEmpty();
        assertThat(plan.step("build/a/plain/x86_64-gcc")
                        .orElseThrow()
                        .commands()
                        .get(3))
                .contains("KBUILD_MODPOST_WARN=1");
    }

    static BootRoot root(String kind, String file, String modules, String seed) {
        return new BootRoot(
                kind,
                Path.of("/cache/" + seed),
                file,
                modules,
                Digest.of(seed),
                new TreeMap<>(
                        Map.of("package:" + seed, "1 sha256:" + Digest.of(seed).hex())));
    }

    /** With tests: one TEST step per built cell, after its build and its dependencies' builds, keyed by the boot roots. */
    @Test
    void testsAreStepsPerBuiltCellWithTheirBootRootsAndTheUntestableNamed() {
        Workspace ws = workspace(
                "[[kernel]]\nname = \"bookworm\"\ndebian = \"latest\"\n"
                        + "[[kernel]]\nname = \"host\"\nheaders = \"/usr/src/linux-headers-x\"\n",
                "\"arm64\", \"armhf\"");
        var arches = new TreeMap<String, KernelFacts>(Map.of(
                "arm64",
                headers("bookworm", "arm64", "6.1.0-56-arm64"),
                "armhf",
                headers("bookworm", "armhf", "6.1.0-56-armmp")));
        var kernels = new TreeMap<String, KernelFacts>();
        kernels.put(
                "bookworm",
                new KernelFacts(
                        "bookworm",
                        KernelSource.Kind.DISTRO,
                        "6.1.192",
                        Digest.of("d"),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        new TreeSet<>(),
                        new TreeMap<>(),
                        arches,
                        new TreeMap<>(),
                        new TreeMap<>()));
        kernels.put("host", headers("host", "arm64", "6.1.0-56-arm64"));
        var roots = new TreeMap<String, BootRoot>();
        roots.put("bookworm+arm64.image", root("image", "boot/vmlinuz-6.1.0-56-arm64", "lib/modules", "img-arm64"));
        roots.put("bookworm+armhf.image", root("image", "boot/vmlinuz-6.1.0-56-armmp", "lib/modules", "img-armhf"));
        roots.put("guest+arm64", root("guest", "bin/busybox", "", "bb-arm64"));
        var boot = new BootFacts(roots, new TreeMap<>(Map.of("guest+armhf", "no busybox here")));
        PlanInput in = new PlanInput(ws, kernels, new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), 0L, true, boot);
        BuildPlan plan = TestPlanners.planner().plan(in);
        PlanCodecTest.assertRoundTrips(plan); // tests, boot roots and untested cells survive the plan cache

        Step t = plan.step("test/b/bookworm/arm64-gcc").orElseThrow();
        assertThat(t.kind()).isEqualTo(Step.Kind.TEST);
        assertThat(t.deps()).containsExactly("build/b/bookworm/arm64-gcc", "build/a/bookworm/arm64-gcc");
        assertThat(t.commands().get(0))
                .startsWith("qemu-system-aarch64", "-M", "virt", "-cpu", "max")
                .contains("${kernel:bookworm+arm64.image}/boot/vmlinuz-6.1.0-56-arm64", "-accel", "${accel}")
                .anyMatch(a -> a.startsWith("console=ttyAMA0"));
        assertThat(t.attributes())
                .containsEntry("load", "a,b")
                .containsEntry("timeoutSeconds", "120")
                .containsEntry("kernelModules", "${kernel:bookworm+arm64.image}/lib/modules")
                .containsEntry("busybox", "${kernel:guest+arm64}/bin/busybox")
                .containsEntry("testLog", "${out}/bookworm/arm64-gcc/b/test.log");
        assertThat(plan.testedCell(t).orElseThrow().id()).isEqualTo("b/bookworm/arm64-gcc");
        assertThat(plan.kernels().get("bookworm+arm64.image"))
                .containsEntry("kind", "image")
                .containsEntry("identity", Digest.of("img-arm64").hex());
        // Only the emulators of planned tests: armhf is untested here, so its emulator keys nothing.
        assertThat(plan.tools()).containsKey("qemu-system-aarch64").doesNotContainKey("qemu-system-arm");
        assertThat(plan.untested())
                .extracting(s -> s.cell().id() + ": " + s.reason())
                .contains("a/bookworm/armhf-gcc: no busybox here")
                .anyMatch(u -> u.startsWith("a/host/arm64-gcc: kernel 'host' has no kernel image to boot"));
        assertThat(plan.steps()).filteredOn(s -> s.kind() == Step.Kind.TEST).hasSize(2);
        // Sharded with its cell: every test, and every build a test loads, is in exactly one shard (a test
        // grouped away from its builds would pull them into a second shard, built twice).
        for (int n = 1; n <= 3; n++) {
            List<List<String>> shards = Sharding.split(plan, n);
            for (String id : List.of(
                    "test/b/bookworm/arm64-gcc",
                    "test/a/bookworm/arm64-gcc",
                    "build/a/bookworm/arm64-gcc",
                    "build/b/bookworm/arm64-gcc")) {
                assertThat(shards.stream().filter(sh -> sh.contains(id)).count())
                        .as(id + " in " + n + " shards")
                        .isEqualTo(1);
            }
        }
        // A plan is a value: the same input, the same bytes; without tests, no trace of them.
        assertThat(TestPlanners.planner().plan(in).planHash()).isEqualTo(plan.planHash());
        BuildPlan plain = TestPlanners.planner()
                .plan(new PlanInput(ws, kernels, new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), 0L));
        assertThat(plain.steps()).noneMatch(s -> s.kind() == Step.Kind.TEST);
        assertThat(CanonicalJson.write(plain.toTree()))
                .doesNotContain("untested")
                .doesNotContain("qemu");
    }

    /**
     * With [signing]: a SIGN step after every build, which tests (and the dependency's test loads) wait
     * for; prepared trees get CONFIG_MODULE_SIG and the kernel's own policy; the key is nowhere in the plan.
     */
    @Test
    void signingAddsASignStepPerCellThatTestsWaitForAndKeepsTheKeyOutOfThePlan() {
        Workspace ws = workspace("""
                [signing]
                key = "/secret/place/module.key"
                cert = "keys/module.crt"
                [[kernel]]
                name = "enforcing"
                source = "/usr/src/linux-source-6.1.tar.xz"
                config = "tinyconfig"
                fragments = ["configs/m.config"]
                boot = true
                module_sig_force = true
                system_trusted_keys = "keys/module.crt"
                [[kernel]]
                name = "host"
                headers = "/usr/src/linux-headers-x"
                sign = false
                """, "\"x86_64\"");
        var kernels = new TreeMap<String, KernelFacts>();
        kernels.put(
                "enforcing",
                new KernelFacts(
                        "enforcing",
                        KernelSource.Kind.SOURCE,
                        "6.1.192",
                        Digest.of("src"),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        new TreeSet<>(),
                        new TreeMap<>()));
        kernels.put("host", headers("host", "x86_64", "6.1.0-56-amd64"));
        var files = new TreeMap<String, Digest>(
                Map.of("configs/m.config", Digest.of("m"), "keys/module.crt", Digest.of("cert")));
        var roots = new TreeMap<String, BootRoot>();
        roots.put("guest+x86_64", root("guest", "bin/busybox", "", "bb-x86_64"));
        var boot = new BootFacts(roots, new TreeMap<>());
        PlanInput in = new PlanInput(ws, kernels, new TreeMap<>(), files, new TreeMap<>(), 0L, true, boot);
        BuildPlan plan = TestPlanners.planner().plan(in);
        PlanCodecTest.assertRoundTrips(plan); // signing steps survive the plan cache

        Step sign = plan.step("sign/b/enforcing/x86_64-gcc").orElseThrow();
        Step prepare = plan.step("prepare/enforcing/x86_64-gcc").orElseThrow();
        String tree = prepare.attribute("tree");
        assertThat(sign.kind()).isEqualTo(Step.Kind.SIGN);
        assertThat(sign.deps()).containsExactly("build/b/enforcing/x86_64-gcc");
        assertThat(sign.commands().get(0))
                .containsExactly(
                        tree + "/scripts/sign-file",
                        "${module_sig_hash}",
                        "$KFORGE_SIGNING_KEY",
                        "${workspace}/keys/module.crt",
                        "${module}",
                        "${signed}");
        assertThat(sign.inputs()).contains("${workspace}/keys/module.crt", tree);
        assertThat(sign.attributes()).containsEntry("outDir", "${out}/enforcing/x86_64-gcc/b");
        assertThat(plan.cellOf(sign).orElseThrow().id()).isEqualTo("b/enforcing/x86_64-gcc");
        assertThat(plan.step("test/b/enforcing/x86_64-gcc").orElseThrow().deps())
                .startsWith("sign/b/enforcing/x86_64-gcc", "sign/a/enforcing/x86_64-gcc");
        assertThat(prepare.commands())
                .anySatisfy(c -> assertThat(c)
                        .endsWith(
                                "-e",
                                "MODULE_SIG",
                                "-e",
                                "MODULE_SIG_FORCE",
                                "--set-str",
                                "SYSTEM_TRUSTED_KEYS",
                                "${workspace}/keys/module.crt",
                                "-e",
                                "CRYPTO_SHA256"));
        assertThat(prepare.attribute("expect"))
                .isEqualTo("CONFIG_MODULE_SIG=y,CONFIG_MODULE_SIG_FORCE=y,CONFIG_CRYPTO_SHA256=y");
        // sign = false: that kernel's cells are built and published unsigned.
        assertThat(plan.step("sign/a/host/x86_64-gcc")).isEmpty();
        assertThat(plan.step("build/a/host/x86_64-gcc")).isPresent();
        // The key is a secret: not in the plan, and its place does not change the plan's hash.
        String json = CanonicalJson.write(plan.toTree());
        assertThat(json).doesNotContain("/secret/place").doesNotContain("module.key");
        Workspace moved = new ManifestLoader(Catalog.builtIn())
                .parse(readManifest().replace("/secret/place/module.key", "/elsewhere/k.pem"), "kforge.toml", dir);
        assertThat(TestPlanners.planner()
                        .plan(new PlanInput(moved, kernels, new TreeMap<>(), files, new TreeMap<>(), 0L, true, boot))
                        .planHash())
                .isEqualTo(plan.planHash());
        // Sharded with its cell.
        for (int n = 1; n <= 3; n++) {
            for (String id : List.of("sign/b/enforcing/x86_64-gcc", "build/b/enforcing/x86_64-gcc")) {
                assertThat(Sharding.split(plan, n).stream()
                                .filter(sh -> sh.contains(id))
                                .count())
                        .as(id)
                        .isEqualTo(1);
            }
        }
    }

    String readManifest() {
        try {
            return Files.readString(dir.resolve("kforge.toml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
