package dev.kforge.core.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kforge.core.KforgeException;
import dev.kforge.core.TestWorkspace;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.digest.InputLog;
import dev.kforge.core.kernel.Distributions;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.KernelInspector;
import dev.kforge.core.kernel.KernelSources;
import dev.kforge.core.kernel.RustSelection;
import dev.kforge.core.kernel.RustTools;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.plan.BuildPlan;
import dev.kforge.core.plan.FakeStepPlanners;
import dev.kforge.core.plan.Step;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rust drivers on a distribution's own Rust-enabled kernel, planned against a fake distribution:
 * one Rust tree per architecture from the distribution's source of that kernel, configured as its
 * headers say; refusals (a kernel without Rust, no source of its version, no rustc whose version
 * text is the kernel's) skip the cells with the reason, or fail planning when the ABI is named.
 */
class FakeDistroRustTest {

    static final String RUSTC = "rustc 1.85.1 (4eb161250 2025-03-15) (built from a source tarball)";

    @TempDir
    Path dir;

    /** fakeos: its x86_64 kernel is built with Rust (by {@code builtWith}), its arm64 one without. */
    static final class RustOs extends FakeDistributionTest.FakeOs implements KernelSources {
        final List<String> sourcesAsked = new ArrayList<>();
        String builtWith = RUSTC;
        boolean hasSource = true;

        RustOs(Path cache) {
            super(cache);
        }

        @Override
        public Tree fetch(KernelSource kernel, Architecture arch) {
            Tree t = super.fetch(kernel, arch);
            Map<String, String> config = new TreeMap<>(t.facts().config());
            if (arch.key().equals("x86_64")) {
                config.put("CONFIG_RUST", "y");
                config.put("CONFIG_RUSTC_VERSION_TEXT", builtWith);
            }
            KernelFacts f = t.facts();
            return new Tree(
                    new KernelFacts(
                            f.name(),
                            f.kind(),
                            f.version(),
                            f.identity(),
                            f.headersArch(),
                            f.headersFamily(),
                            f.release(),
                            config.containsKey("CONFIG_RUST")
                                    ? new TreeSet<>(List.of(arch.kernelArch()))
                                    : new TreeSet<>(),
                            config),
                    t.dir());
        }

        @Override
        public Source source(KernelSource kernel, KernelFacts tree) {
            sourcesAsked.add(kernel.name() + " " + tree.release().orElseThrow());
            return hasSource
                    ? Source.found(cache.resolve("linux-source-1.2.tar.xz"), "linux-source-1.2 1.2.3-1")
                    : Source.missing(
                            "linux-source-1.2 1.2.3-1", "fakeos has no linux-source-1.2 1.2.3-1; it has 1.2.4-1");
        }
    }

    /** The distribution's source tarball, read as a source kernel would be. */
    static final class Sources implements KernelInspector {
        final List<String> inspected = new ArrayList<>();

        @Override
        public KernelFacts inspect(KernelSource kernel, Path workspace) {
            assertThat(kernel.kind()).isEqualTo(KernelSource.Kind.SOURCE);
            inspected.add(kernel.name() + " " + kernel.path());
            return new KernelFacts(
                    kernel.name(),
                    KernelSource.Kind.SOURCE,
                    "1.2.3",
                    Digest.of(kernel.path()),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty(),
                    new TreeSet<>(List.of("x86", "arm64")),
                    new TreeMap<>());
        }

        @Override
        public Path sourceDir(KernelSource kernel, Path workspace) {
            return Path.of("/cache/sources/abc");
        }

        @Override
        public KernelFacts headers(KernelSource kernel, Path tree) {
            throw new AssertionError("not here");
        }

        @Override
        public InputLog inputs() {
            return new InputLog();
        }
    }

    /** The host's rustc: the one the kernel names, with bindgen and rust-src. */
    private static RustSelection host(KernelFacts tree, Path source) {
        assertThat(tree.kind()).as("asked with the kernel's own headers tree").isEqualTo(KernelSource.Kind.HEADERS);
        assertThat(source).isEqualTo(Path.of("/cache/sources/abc"));
        String want = tree.config().get("CONFIG_RUSTC_VERSION_TEXT");
        boolean fits = RUSTC.equals(want);
        return new RustSelection(
                fits
                        ? Optional.of(new RustTools(
                                "/usr/bin/rustc",
                                RUSTC,
                                "/usr/bin/bindgen",
                                "bindgen 0.71.1",
                                "/usr/lib/rustlib/src",
                                List.of()))
                        : Optional.empty(),
                List.of("/usr/bin/rustc (Debian rustc): " + RUSTC + " -> "
                        + (fits ? "fits" : "rejected: the kernel was built with " + want)),
                "install the rustc the kernel was built with (" + want + ")");
    }

    private PlanService service(RustOs os, Sources sources) {
        return PlanService.builder()
                .catalog(Catalog.builtIn())
                .kernels(sources)
                .distributions(Distributions.of(Map.of("fakeos", os), "fakeos"))
                .rust(FakeDistroRustTest::host)
                .tools(program -> Optional.of(program + " 1.0"))
                .planner(FakeStepPlanners.planner())
                .environment(Map.of("SOURCE_DATE_EPOCH", "1700000000"))
                .toolchainRoots(new FakeDistributionTest.NoRoots())
                .rustInRoot((facts, source) -> {
                    throw new AssertionError("no toolchain root here");
                })
                .build();
    }

    private Path workspace(String abi) {
        return new TestWorkspace(dir.resolve("ws"))
                .cDriver("drivers/c")
                .rustDriver("drivers/r")
                .manifest("[[kernel]]\nname = \"fk\"\ndistribution = \"fakeos\"\n" + abi
                        + "[[driver]]\nname = \"c\"\npath = \"drivers/c\"\n"
                        + "[[driver]]\nname = \"r\"\npath = \"drivers/r\"\n"
                        + "[[matrix]]\narches = [\"x86_64\", \"arm64\"]\ntoolchains = [\"gcc\"]\n")
                .manifestPath();
    }

    @Test
    void aRustDriverOnTheDistributionsRustKernelBuildsOnATreeFromItsOwnSource() {
        RustOs os = new RustOs(dir.resolve("fakeos"));
        Sources sources = new Sources();
        BuildPlan plan = service(os, sources).plan(workspace(""), "kforge.toml").plan();

        // One Rust tree, x86_64's: from the distribution's source, configured by its headers tree.
        Step tree = plan.step("prepare/fk/x86_64-gcc-rust").orElseThrow();
        assertThat(tree.attributes())
                .containsEntry("distroHeaders", "${kernel:fk+x86_64}")
                .containsEntry("source", "${kernel:fk.source}")
                .containsEntry("release", "1.2.3-fake-x86_64");
        assertThat(os.sourcesAsked).containsExactly("fk 1.2.3-fake-x86_64");
        assertThat(sources.inspected).containsExactly("fk " + dir.resolve("fakeos/linux-source-1.2.tar.xz"));
        Step build = plan.step("build/r/fk/x86_64-gcc").orElseThrow();
        assertThat(build.deps()).containsExactly(tree.id());
        assertThat(build.commands().get(0)).contains("-C", "${kernel:fk.source}");
        assertThat(build.attribute("tree")).isEqualTo(tree.attribute("tree"));
        assertThat(plan.kernels().get("fk.source"))
                .containsEntry("kind", "distribution-source")
                .containsEntry("package", "linux-source-1.2 1.2.3-1");
        // The C driver still builds on the headers tree alone; no tree step for it.
        Step c = plan.step("build/c/fk/x86_64-gcc").orElseThrow();
        assertThat(c.deps()).isEmpty();
        assertThat(c.commands().get(0)).contains("-C", "${kernel:fk+x86_64}");
        // arm64's kernel is built without Rust: skipped with the reason, and no tree.
        assertThat(plan.step("prepare/fk/arm64-gcc-rust")).isEmpty();
        assertThat(plan.skipped()).anySatisfy(s -> {
            assertThat(s.cell().id()).isEqualTo("r/fk/arm64-gcc");
            assertThat(s.reason()).contains("is built without Rust (CONFIG_RUST unset)");
        });
    }

    @Test
    void noSourceOfTheKernelsVersionSkipsItsRustCellsWithTheReasonAndFailsPlanningWhenTheAbiIsNamed() {
        RustOs os = new RustOs(dir.resolve("fakeos"));
        os.hasSource = false;
        BuildPlan plan =
                service(os, new Sources()).plan(workspace(""), "kforge.toml").plan();
        assertThat(plan.step("prepare/fk/x86_64-gcc-rust")).isEmpty();
        assertThat(plan.skipped()).anySatisfy(s -> {
            assertThat(s.cell().id()).isEqualTo("r/fk/x86_64-gcc");
            assertThat(s.reason())
                    .isEqualTo(
                            "kernel 'fk' (1.2.3-fake-x86_64): fakeos has no linux-source-1.2 1.2.3-1; it has 1.2.4-1");
        });
        assertThat(plan.step("build/c/fk/x86_64-gcc")).isPresent();

        assertThatThrownBy(() -> service(os, new Sources()).plan(workspace("abi = \"1.2.3\"\n"), "kforge.toml"))
                .isInstanceOfSatisfying(KforgeException.class, e -> {
                    assertThat(e.kind()).isEqualTo(KforgeException.Kind.ENVIRONMENT);
                    assertThat(e.getMessage()).contains("fakeos has no linux-source-1.2 1.2.3-1");
                    assertThat(e.hint()).contains("latest");
                });
    }

    @Test
    void aKernelIsAskedForExplicitlyWhenItsManifestKernelNamesItsAbi() {
        new TestWorkspace(dir.resolve("e"))
                .rustDriver("drivers/r")
                .manifest("[[kernel]]\nname = \"k\"\ndebian = \"latest\"\nsuites = [\"sid\"]\n"
                        + "[[kernel]]\nname = \"k-pin\"\ndebian = \"7.3.4+deb13\"\nsuites = [\"trixie-backports\"]\n"
                        + "[[kernel]]\nname = \"plain\"\ndebian = \"6.1.0-50\"\n"
                        + "[[driver]]\nname = \"r\"\npath = \"drivers/r\"\n"
                        + "[[matrix]]\narches = [\"x86_64\"]\n");
        var ws = new dev.kforge.core.manifest.ManifestLoader(Catalog.builtIn())
                .load(dir.resolve("e/kforge.toml"), "kforge.toml");
        assertThat(RustTreeGathering.explicit(ws, "k-sid-7.2.13+deb14")).isFalse();
        // Expanded from k-pin, the longest manifest name it starts with (not from k).
        assertThat(RustTreeGathering.explicit(ws, "k-pin-trixie-backports-7.3.4+deb13"))
                .isTrue();
        assertThat(RustTreeGathering.explicit(ws, "plain")).isTrue();
    }

    @Test
    void aRustcWhoseVersionTextIsNotTheKernelsIsRefusedNamingBoth() {
        RustOs os = new RustOs(dir.resolve("fakeos"));
        os.builtWith = "rustc 1.97.1 (sid) (built from a source tarball)";
        BuildPlan plan =
                service(os, new Sources()).plan(workspace(""), "kforge.toml").plan();
        assertThat(plan.step("prepare/fk/x86_64-gcc-rust")).isEmpty();
        assertThat(plan.skipped()).anySatisfy(s -> {
            assertThat(s.cell().id()).isEqualTo("r/fk/x86_64-gcc");
            assertThat(s.reason())
                    .contains("was built with rustc 1.97.1 (sid) (built from a source tarball)")
                    .contains("no Rust toolchain on this machine is that one")
                    .contains(RUSTC + " -> rejected");
        });
    }
}
