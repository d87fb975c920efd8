package dev.kforge.core.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kforge.core.KforgeException;
import dev.kforge.core.TestWorkspace;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.digest.InputLog;
import dev.kforge.core.kernel.BootRoot;
import dev.kforge.core.kernel.Distributions;
import dev.kforge.core.kernel.DistroKernels;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.KernelInspector;
import dev.kforge.core.kernel.KernelLines;
import dev.kforge.core.kernel.ToolchainRoots;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.ToolchainFamily;
import dev.kforge.core.model.ToolchainRoot;
import dev.kforge.core.plan.BuildPlan;
import dev.kforge.core.plan.FakeStepPlanners;
import dev.kforge.core.plan.Step;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A distribution is an adapter registered by name: a fake one, registered here, is planned like
 * Debian (one headers tree per port, a port it lacks skipped with its reason) with no change to
 * core or any adapter.
 */
class FakeDistributionTest {

    @TempDir
    Path dir;

    /** fakeos: x86_64 and arm64 kernels, no riscv64 port. */
    static class FakeOs implements DistroKernels {
        final List<String> fetched = new ArrayList<>();
        final Path cache;

        FakeOs(Path cache) {
            this.cache = cache;
        }

        @Override
        public Optional<String> unsupported(KernelSource kernel, Architecture arch) {
            return arch.key().equals("riscv64") ? Optional.of("fakeos has no riscv64 port") : Optional.empty();
        }

        @Override
        public Tree fetch(KernelSource kernel, Architecture arch) {
            fetched.add(kernel.path() + " " + arch.key());
            String release = "1.2.3-fake-" + arch.key();
            return new Tree(
                    new KernelFacts(
                            kernel.name(),
                            KernelSource.Kind.HEADERS,
                            "1.2.3",
                            Digest.of(release),
                            Optional.of(arch.key()),
                            Optional.of(ToolchainFamily.GCC),
                            Optional.of(release),
                            new TreeSet<>(),
                            new TreeMap<>(Map.of("CONFIG_MODULES", "y"))),
                    cache.resolve(arch.key()));
        }

        @Override
        public Tree unpack(KernelSource kernel, Path workspace) {
            throw new UnsupportedOperationException("fakeos has no packages");
        }

        @Override
        public BootRoot image(KernelSource kernel, Architecture arch) {
            throw new UnsupportedOperationException("not booted here");
        }

        @Override
        public Optional<String> noBusybox(Optional<String> release, Architecture arch) {
            return Optional.of("fakeos has no busybox");
        }

        @Override
        public BootRoot busybox(Optional<String> release, Architecture arch) {
            throw new UnsupportedOperationException("fakeos has no busybox");
        }
    }

    /** Kernels the manifest names by path are not in these tests. */
    static final class NoPaths implements KernelInspector {
        private final InputLog inputs = new InputLog();

        @Override
        public KernelFacts inspect(KernelSource kernel, Path workspace) {
            throw new AssertionError("a distribution kernel is not inspected by path");
        }

        @Override
        public Path sourceDir(KernelSource kernel, Path workspace) {
            throw new AssertionError("a distribution kernel has no source directory");
        }

        @Override
        public KernelFacts headers(KernelSource kernel, Path tree) {
            throw new AssertionError("the fake distribution reads its own trees");
        }

        @Override
        public InputLog inputs() {
            return inputs;
        }
    }

    /** No kernel here names a toolchain root. */
    static final class NoRoots implements ToolchainRoots {
        @Override
        public Facts ensure(ToolchainRoot root, SortedSet<String> packages) {
            throw new AssertionError("no toolchain root here");
        }

        @Override
        public Optional<Facts> inspect(ToolchainRoot root) {
            return Optional.empty();
        }
    }

    private PlanService service(DistroKernels fake) {
        return PlanService.builder()
                .catalog(Catalog.builtIn())
                .kernels(new NoPaths())
                .distributions(Distributions.of(Map.of("fakeos", fake), "fakeos"))
                .rust((kernel, source) -> {
                    throw new AssertionError("no Rust driver here");
                })
                .tools(program -> Optional.of(program + " 1.0"))
                .planner(FakeStepPlanners.planner())
                .environment(Map.of("SOURCE_DATE_EPOCH", "1700000000"))
                .toolchainRoots(new NoRoots())
                .rustInRoot((facts, source) -> {
                    throw new AssertionError("no toolchain root here");
                })
                .build();
    }

    private TestWorkspace workspace(String distribution) {
        return new TestWorkspace(dir.resolve("ws"))
                .cDriver("drivers/a")
                .manifest("[workspace]\nname = \"fake\"\n\n"
                        + "[[kernel]]\nname = \"fk\"\ndistribution = \"" + distribution + "\"\n\n"
                        + "[[driver]]\nname = \"a\"\npath = \"drivers/a\"\n\n"
                        + "[[matrix]]\narches = [\"x86_64\", \"arm64\", \"riscv64\"]\ntoolchains = [\"gcc\"]\n");
    }

    @Test
    void aRegisteredDistributionIsPlannedOneTreePerPort() {
        FakeOs fake = new FakeOs(dir.resolve("fakeos"));
        TestWorkspace ws = workspace("fakeos");
        BuildPlan plan = service(fake).plan(ws.manifestPath(), "kforge.toml").plan();

        assertThat(fake.fetched).containsExactly("latest arm64", "latest x86_64");
        Step arm64 = plan.step("build/a/fk/arm64-gcc").orElseThrow();
        assertThat(arm64.commands().get(0)).contains("-C", "${kernel:fk+arm64}");
        assertThat(plan.step("build/a/fk/x86_64-gcc")).isPresent();
        assertThat(plan.step("build/a/fk/riscv64-gcc")).isEmpty();
        assertThat(plan.skipped()).anySatisfy(s -> {
            assertThat(s.cell().id()).isEqualTo("a/fk/riscv64-gcc");
            assertThat(s.reason()).contains("fakeos has no riscv64 port");
        });
        assertThat(plan.kernels().get("fk")).containsEntry("kind", "fakeos");
        assertThat(plan.kernels().get("fk+arm64")).containsEntry("release", "1.2.3-fake-arm64");
    }

    @Test
    void aDistributionNoAdapterServesIsAnEnvironmentErrorNamingTheKnownOnes() {
        TestWorkspace ws = workspace("nosuchos");
        assertThatThrownBy(() -> service(new FakeOs(dir.resolve("fakeos"))).plan(ws.manifestPath(), "kforge.toml"))
                .isInstanceOfSatisfying(KforgeException.class, e -> {
                    assertThat(e.kind()).isEqualTo(KforgeException.Kind.ENVIRONMENT);
                    assertThat(e.getMessage()).contains("kernel 'fk'", "'nosuchos'");
                    assertThat(e.hint()).contains("fakeos");
                });
    }

    /**
     * fakeos with kernel lines: suite "stable" (the host's release) serves 1.0 and 1.1, "testing"
     * (release "next") serves 2.0; every kernel has an image, every release a busybox.
     */
    static final class FakeLines extends FakeOs implements KernelLines {
        final List<String> guests = new ArrayList<>();

        FakeLines(Path cache) {
            super(cache);
        }

        @Override
        public BootRoot image(KernelSource kernel, Architecture arch) {
            return new BootRoot(
                    "image",
                    cache.resolve("image-" + kernel.path()),
                    "vmlinuz",
                    "lib/modules",
                    Digest.of(kernel.path()),
                    new TreeMap<>());
        }

        @Override
        public Optional<String> guestRelease(KernelSource expanded) {
            return expanded.suite().orElseThrow().equals("testing") ? Optional.of("next") : Optional.empty();
        }

        @Override
        public Optional<String> noBusybox(Optional<String> release, Architecture arch) {
            return Optional.empty();
        }

        @Override
        public BootRoot busybox(Optional<String> release, Architecture arch) {
            guests.add(release.orElse("host") + " " + arch.key());
            return new BootRoot(
                    "guest",
                    cache.resolve("busybox-" + release.orElse("host")),
                    "bin/busybox",
                    "",
                    Digest.of("busybox " + release),
                    new TreeMap<>());
        }

        @Override
        public List<String> abis(String suite, Architecture arch) {
            return suite.equals("stable") ? List.of("1.0", "1.1") : List.of("2.0");
        }

        @Override
        public String rootSuite(KernelSource expanded) {
            throw new AssertionError("fakeos builds every line on the host");
        }

        @Override
        public SortedSet<String> rootPackages(KernelSource kernel, Architecture arch, KernelFacts facts) {
            throw new AssertionError("fakeos builds every line on the host");
        }

        @Override
        public List<KernelSource> expand(KernelSource kernel, Set<Architecture> arches) {
            List<KernelSource> out = new ArrayList<>();
            for (String suite : kernel.suites()) {
                List<String> abis = abis(suite, arches.iterator().next());
                List<String> chosen = switch (kernel.path()) {
                    case KernelSource.ALL -> abis;
                    case KernelSource.LATEST -> List.of(abis.get(abis.size() - 1));
                    default -> List.of(kernel.path());
                };
                chosen.forEach(abi -> out.add(kernel.expanded(Optional.of(suite), abi)));
            }
            return out;
        }
    }

    @Test
    void aKernelLineExpandsIntoOneKernelPerSuiteAndAbiWithReadableNamesAndTheMatrixFollows() {
        FakeLines fake = new FakeLines(dir.resolve("fakeos"));
        TestWorkspace ws =
                new TestWorkspace(dir.resolve("ws")).cDriver("drivers/a").manifest("""
                        [[kernel]]
                        name = "fk"
                        distribution = "fakeos"
                        abi = "all"
                        suites = ["stable", "testing"]
                        [[driver]]
                        name = "a"
                        path = "drivers/a"
                        [[matrix]]
                        arches = ["x86_64", "arm64"]
                        exclude = [{ kernel = "fk", arch = "arm64" }]
                        """);
        Planned planned = service(fake).plan(ws.manifestPath(), "kforge.toml");
        BuildPlan plan = planned.plan();

        assertThat(plan.steps().stream().map(Step::id).filter(i -> i.startsWith("build/")))
                .containsExactly(
                        "build/a/fk-stable-1.0/x86_64-gcc",
                        "build/a/fk-stable-1.1/x86_64-gcc",
                        "build/a/fk-testing-2.0/x86_64-gcc");
        assertThat(fake.fetched).containsExactlyInAnyOrder("1.0 x86_64", "1.1 x86_64", "2.0 x86_64");
        assertThat(planned.workspace().kernel("fk-testing-2.0").orElseThrow().suite())
                .contains("testing");
        assertThat(plan.skipped())
                .extracting(sk -> sk.cell().id())
                .contains("a/fk-stable-1.0/arm64-gcc", "a/fk-testing-2.0/arm64-gcc");
    }

    @Test
    void aKernelLinesCellsBootItsSuitesImageWithItsReleasesGuest() {
        FakeLines fake = new FakeLines(dir.resolve("fakeos"));
        TestWorkspace ws =
                new TestWorkspace(dir.resolve("ws")).cDriver("drivers/a").manifest("""
                        [[kernel]]
                        name = "fk"
                        distribution = "fakeos"
                        suites = ["stable", "testing"]
                        [[driver]]
                        name = "a"
                        path = "drivers/a"
                        [[matrix]]
                        arches = ["x86_64"]
                        """);
        BuildPlan plan =
                service(fake).plan(ws.manifestPath(), "kforge.toml", true).plan();
        assertThat(plan.untested()).isEmpty();
        Step testing = plan.step("test/a/fk-testing-2.0/x86_64-gcc").orElseThrow();
        assertThat(testing.inputs())
                .contains("${kernel:fk-testing-2.0+x86_64.image}", "${kernel:guest+next+x86_64}")
                .doesNotContain("${kernel:guest+x86_64}");
        Step stable = plan.step("test/a/fk-stable-1.1/x86_64-gcc").orElseThrow();
        assertThat(stable.inputs())
                .contains("${kernel:fk-stable-1.1+x86_64.image}", "${kernel:guest+x86_64}")
                .doesNotContain("${kernel:guest+next+x86_64}");
        assertThat(fake.guests).containsExactlyInAnyOrder("host x86_64", "next x86_64");
    }

    @Test
    void oneSuiteWithAnExplicitAbiIsALineToo() {
        FakeLines fake = new FakeLines(dir.resolve("fakeos"));
        TestWorkspace ws =
                new TestWorkspace(dir.resolve("ws")).cDriver("drivers/a").manifest("""
                        [[kernel]]
                        name = "fk"
                        distribution = "fakeos"
                        abi = "1.0"
                        suites = ["stable"]
                        [[driver]]
                        name = "a"
                        path = "drivers/a"
                        [[matrix]]
                        arches = ["x86_64"]
                        """);
        Planned planned = service(fake).plan(ws.manifestPath(), "kforge.toml");
        assertThat(planned.plan().steps().stream().map(Step::id).filter(i -> i.startsWith("build/")))
                .containsExactly("build/a/fk-stable-1.0/x86_64-gcc");
        assertThat(planned.workspace().kernel("fk-stable-1.0").orElseThrow().suite())
                .contains("stable");
    }

    @Test
    void latestIsEachSuitesNewest() {
        FakeLines fake = new FakeLines(dir.resolve("fakeos"));
        TestWorkspace ws =
                new TestWorkspace(dir.resolve("ws")).cDriver("drivers/a").manifest("""
                        [[kernel]]
                        name = "fk"
                        distribution = "fakeos"
                        suites = ["stable", "testing"]
                        [[driver]]
                        name = "a"
                        path = "drivers/a"
                        [[matrix]]
                        arches = ["x86_64"]
                        """);
        BuildPlan plan = service(fake).plan(ws.manifestPath(), "kforge.toml").plan();
        assertThat(plan.steps().stream().map(Step::id).filter(i -> i.startsWith("build/")))
                .containsExactly("build/a/fk-stable-1.1/x86_64-gcc", "build/a/fk-testing-2.0/x86_64-gcc");
    }

    @Test
    void aDistributionWithoutKernelLinesRefusesSuites() {
        TestWorkspace ws =
                new TestWorkspace(dir.resolve("ws")).cDriver("drivers/a").manifest("""
                        [[kernel]]
                        name = "fk"
                        distribution = "fakeos"
                        suites = ["stable"]
                        [[driver]]
                        name = "a"
                        path = "drivers/a"
                        [[matrix]]
                        arches = ["x86_64"]
                        """);
        assertThatThrownBy(() -> service(new FakeOs(dir.resolve("fakeos"))).plan(ws.manifestPath(), "kforge.toml"))
                .isInstanceOfSatisfying(
                        KforgeException.class,
                        e -> assertThat(e.getMessage()).contains("kernel 'fk': distribution fakeos has no suites"));
    }
}
