package dev.kforge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import dev.kforge.core.elf.Elf;
import dev.kforge.core.exec.LocalProcessRunner;
import dev.kforge.core.fs.FileTrees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole pipeline (manifest, plan, scheduler, step cache, Kbuild step executor, reports, CLI)
 * with real make against a fake kernel tree: seconds, where the same against a real kernel takes
 * minutes. What only a real kernel proves stays in the integration tests.
 */
class FakeKernelPipelineTest {

    @TempDir
    Path dir;

    @TempDir
    Path cache;

    Path ws;
    FakeKernel kernel;

    @BeforeEach
    void workspace() {
        ws = dir.resolve("ws");
        new TestWorkspace(ws).cDriver("drivers/alpha").cDriver("drivers/beta").manifest("""
                        [[kernel]]
                        name = "fake"
                        headers = "kernel"

                        [[driver]]
                        name = "alpha"
                        path = "drivers/alpha"

                        [[driver]]
                        name = "beta"
                        path = "drivers/beta"

                        [[matrix]]
                        arches = ["x86_64"]
                        """);
        kernel = FakeKernel.at(ws.resolve("kernel"));
    }

    ItSupport.Run kforge(String... args) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("KFORGE_CACHE_DIR", cache.toString());
        env.put("SOURCE_DATE_EPOCH", "1700000000");
        return ItSupport.inProcess(ws, env, new LocalProcessRunner(), args);
    }

    @Test
    void aBuildThenANoOpThatRunsNoMake() throws Exception {
        ItSupport.Run first = kforge("build");
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.out()).contains("2 cells: 2 built, 0 cached, 0 failed, 0 skipped");
        assertThat(kernel.makes()).hasSize(2);
        Path ko = ws.resolve("out/fake/x86_64-gcc/alpha/alpha.ko");
        assertThat(Elf.read(ko).release()).contains(FakeKernel.RELEASE);
        assertThat(Files.readString(ws.resolve("out/SHA256SUMS")))
                .contains("fake/x86_64-gcc/alpha/alpha.ko", "fake/x86_64-gcc/beta/beta.ko");

        ItSupport.Run noop = kforge("build");
        assertThat(noop.code()).as(noop.err()).isZero();
        assertThat(noop.out()).contains("2 cells: 0 built, 2 cached, 0 failed, 0 skipped");
        assertThat(kernel.makes()).as("a no-op runs no make").hasSize(2);
        assertThat(ItSupport.cells(ws.resolve("out")).get("alpha/fake/x86_64-gcc"))
                .containsEntry("status", "cached")
                .containsEntry("symbols", "checked");
        assertThat(ko).isRegularFile();
    }

    @Test
    void aChangedDriverRebuildsItsCellOnlyAndNoCacheRebuildsAll() throws Exception {
        assertThat(kforge("build").code()).isZero();
        Files.writeString(ws.resolve("drivers/beta/beta.c"), "\n/* changed */\n", StandardOpenOption.APPEND);
        ItSupport.Run changed = kforge("build");
        assertThat(changed.out()).contains("2 cells: 1 built, 1 cached, 0 failed, 0 skipped");
        assertThat(kernel.makes()).hasSize(3);
        assertThat(kernel.makes().get(2)).endsWith("/beta");

        ItSupport.Run fresh = kforge("build", "--no-cache");
        assertThat(fresh.out()).contains("2 cells: 2 built, 0 cached, 0 failed, 0 skipped");
        assertThat(kernel.makes()).hasSize(5);
    }

    /** The summary line, the results JSON, JUnit and the exit code count a compiler error alike. */
    @Test
    void aFileNameThatIsNotUtf8IsRefusedBeforeAnythingBuilds() throws Exception {
        // Byte 0xff is no UTF-8: the JVM reads the name with U+FFFD and cannot open it by that name.
        Process touch = new ProcessBuilder("sh", "-c", "touch \"$(printf 'drivers/beta/bad\\377name')\"")
                .directory(ws.toFile())
                .start();
        assertThat(touch.waitFor()).isZero();
        ItSupport.Run run = kforge("build");
        assertThat(run.code()).as(run.out()).isEqualTo(2);
        assertThat(run.err())
                .contains("drivers/beta holds a file whose name is not valid UTF-8 (read as 'bad\uFFFDname')")
                .contains("hint: rename it");
        assertThat(kernel.makes()).isEmpty();
    }

    @Test
    void aFailingDriverIsCountedAlikeEverywhere() throws Exception {
        Files.writeString(
                ws.resolve("drivers/beta/beta.c"),
                "#include <linux/module.h>\nMODULE_LICENSE(\"GPL\");\nint x = FAKE_FAIL;\n");
        ItSupport.Run run = kforge("build", "--junit", "junit.xml");
        assertThat(run.code()).as(run.err()).isEqualTo(1);
        assertThat(run.out()).contains("2 cells: 1 built, 0 cached, 1 failed, 0 skipped");
        assertThat(run.err()).contains("FAILED beta/fake/x86_64-gcc");
        var cells = ItSupport.cells(ws.resolve("out"));
        assertThat(cells.get("alpha/fake/x86_64-gcc")).containsEntry("status", "built");
        assertThat(cells.get("beta/fake/x86_64-gcc"))
                .containsEntry("status", "failed")
                .containsEntry("error", false);
        @SuppressWarnings("unchecked")
        var diagnostics =
                (List<Map<String, Object>>) cells.get("beta/fake/x86_64-gcc").get("diagnostics");
        assertThat(diagnostics).anySatisfy(d -> {
            assertThat(d).containsEntry("file", "drivers/beta/beta.c").containsEntry("line", 3);
            assertThat((String) d.get("message")).contains("FAKE_FAIL");
        });
        assertThat(Files.readString(ws.resolve("junit.xml")))
                .contains("tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"0\"");
        assertThat(ws.resolve("out/fake/x86_64-gcc/beta/beta.ko")).doesNotExist();
    }

    @Test
    void packagesAreStepsCountedInEveryReportAndCachedLikeBuilds() throws Exception {
        Files.writeString(
                ws.resolve("kforge.toml"),
                "\n[package]\nmaintainer = \"Jane Doe <jane@example.org>\"\nversion = \"2.0\"\n"
                        + "formats = [\"deb\", \"oci\"]\n",
                StandardOpenOption.APPEND);
        // beta fails to build: its packages are skipped, with the reason, and the run fails for its cell.
        Files.writeString(
                ws.resolve("drivers/beta/beta.c"),
                "#include <linux/module.h>\nMODULE_LICENSE(\"GPL\");\nint x = FAKE_FAIL;\n");
        ItSupport.Run run = kforge("package", "--junit", "junit.xml");
        assertThat(run.code()).as(run.err()).isEqualTo(1);
        assertThat(run.out())
                .contains(
                        "2 cells: 1 built, 0 cached, 1 failed, 0 skipped; 4 packages: 2 written, 0 failed, 2 skipped");
        String release = ItSupport.utsRelease(ws.resolve("kernel"));
        String deb = "packages/deb/fake/x86_64-gcc/alpha/alpha-modules-" + release + "_2.0+" + release.replace('-', '.')
                + "_amd64.deb";
        assertThat(ws.resolve("out").resolve(deb)).isRegularFile();
        assertThat(ws.resolve("out/packages/oci/fake/x86_64-gcc/alpha/index.json"))
                .isRegularFile();
        assertThat(ws.resolve("out/packages/deb/fake/x86_64-gcc/beta")).doesNotExist();
        Map<String, Object> results = ItSupport.json(ws.resolve("out/kforge-results.json"));
        @SuppressWarnings("unchecked")
        Map<String, Object> summary = (Map<String, Object>) results.get("summary");
        @SuppressWarnings("unchecked")
        Map<String, Object> packageCounts = (Map<String, Object>) summary.get("packages");
        assertThat(packageCounts)
                .containsEntry("packages", 4)
                .containsEntry("written", 2)
                .containsEntry("skipped", 2)
                .containsEntry("failed", 0);
        assertThat(summary).containsEntry("failedSteps", 1);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> packages = (List<Map<String, Object>>) results.get("packages");
        assertThat(packages)
                .filteredOn(p -> p.get("step").equals("package-deb/alpha/fake/x86_64-gcc"))
                .singleElement()
                .satisfies(p -> assertThat(p).containsEntry("status", "written").containsEntry("files", List.of(deb)));
        assertThat(packages)
                .filteredOn(p -> p.get("step").equals("package-oci/beta/fake/x86_64-gcc"))
                .singleElement()
                .satisfies(p -> assertThat((String) p.get("message")).startsWith("not packaged"));
        assertThat(Files.readString(ws.resolve("junit.xml")))
                .contains("tests=\"6\" failures=\"1\" errors=\"0\" skipped=\"2\"")
                .contains("classname=\"alpha.package-deb\"");
        assertThat(Files.readString(ws.resolve("out/SHA256SUMS")))
                .contains("  " + deb + "\n")
                .contains("  packages/oci/fake/x86_64-gcc/alpha/index.json\n");

        // Fixed, a second run builds beta and packages it; alpha's packages come from the cache, unchanged.
        byte[] before = Files.readAllBytes(ws.resolve("out").resolve(deb));
        Files.writeString(ws.resolve("drivers/beta/beta.c"), "#include <linux/module.h>\nMODULE_LICENSE(\"GPL\");\n");
        ItSupport.Run fixed = kforge("package");
        assertThat(fixed.code()).as(fixed.err()).isZero();
        assertThat(fixed.out()).contains("4 packages: 2 written, 2 cached, 0 failed");
        assertThat(Files.readAllBytes(ws.resolve("out").resolve(deb))).isEqualTo(before);
        // --format narrows to one format; a plain build plans no package at all, and the package tools
        // (dpkg-deb, depmod, skopeo) key no build: packaging and building share their cached cells.
        assertThat(kforge("package", "--format", "deb").out()).contains("2 packages: 2 cached, 0 failed");
        assertThat(kforge("build").out()).doesNotContain("package").contains("2 cells: 0 built, 2 cached, 0 failed");
        // After sharded runs, gather --package restores every package from the cache into a fresh out/.
        FileTrees.deleteRecursively(ws.resolve("out"));
        ItSupport.Run gather = kforge("gather", "--package");
        assertThat(gather.code()).as(gather.err()).isZero();
        assertThat(gather.out())
                .contains("2 cells: 2 gathered, 0 missing, 0 skipped; 4 packages: 4 gathered, 0 missing");
        assertThat(Files.readAllBytes(ws.resolve("out").resolve(deb))).isEqualTo(before);
        assertThat(Files.readString(ws.resolve("out/SHA256SUMS"))).contains("  " + deb + "\n");
        // verify makes the packages [package] declares twice, from unsigned modules, and compares every file.
        ItSupport.Run verify = kforge("verify");
        assertThat(verify.code()).as(verify.err()).isZero();
        assertThat(verify.out())
                .contains("2 module(s) checked, 0 not reproducible")
                .contains("\n12 package file(s) checked, 0 not reproducible")
                .contains("package-deb/alpha/fake/x86_64-gcc")
                .contains("packages/oci/fake/x86_64-gcc/beta/index.json");
    }

    /**
     * A driver's DKMS package waits for all of its cells, whatever their outcome, and is bounded by them: beta
     * builds on 6.1 but fails on 6.16, so its package builds on 6.1 up to 6.16; alpha's range stays open. Every
     * report counts the packages; they come from the cache while the outcomes stay, and are written anew when one
     * changes; a selection of cells bounds them by those alone; shards write none, the gather writes them.
     */
    @Test
    void aDkmsPackageIsWrittenAfterAllOfItsDriversCellsAndBoundedByThoseThatWorked() throws Exception {
        FakeKernel newer = FakeKernel.at(ws.resolve("newer"), "6.16.0", "6.16.0-fake");
        Path newerMakefile = ws.resolve("newer/Makefile");
        String makefile = failingOnNewer("beta");
        ItSupport.Run run = kforge("package", "--junit", "junit.xml");
        assertThat(run.code()).as(run.out() + run.err()).isEqualTo(1);
        assertThat(run.out())
                .contains("4 cells: 3 built, 0 cached, 1 failed, 0 skipped; 2 packages: 2 written, 0 failed");
        String beta = dkmsConf("beta");
        assertThat(beta)
                .contains("#   6.1.0-fake (x86_64)\n")
                .doesNotContain("6.16.0-fake")
                .contains("builds on kernels 6.1 up to, not including, 6.16")
                .contains("BUILT_MODULE_NAME[0]=\"beta\"")
                .contains("BUILD_EXCLUSIVE_ARCH=\"^(x86_64)$\"")
                .contains("PACKAGE_VERSION=\"2.0\"");
        assertThat(dkmsConf("alpha")).contains("builds on kernels 6.1 and later");
        Map<String, Object> results = ItSupport.json(ws.resolve("out/kforge-results.json"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> packages = (List<Map<String, Object>>) results.get("packages");
        assertThat(packages)
                .filteredOn(p -> p.get("step").equals("package-dkms/beta"))
                .singleElement()
                .satisfies(p -> assertThat(p)
                        .containsEntry("driver", "beta")
                        .containsEntry("status", "written")
                        .containsEntry("files", List.of("packages/dkms/beta/beta-2.0-dkms.tar.gz"))
                        .doesNotContainKey("cell"));
        assertThat(Files.readString(ws.resolve("junit.xml")))
                .contains("tests=\"6\" failures=\"1\"")
                .contains("classname=\"beta.package-dkms\" name=\"source\"");
        assertThat(Files.readString(ws.resolve("out/SHA256SUMS")))
                .contains("  packages/dkms/beta/beta-2.0-dkms.tar.gz\n");

        // The same outcomes: from the cache. beta fixed for 6.16: its package is written anew, with an open range.
        assertThat(kforge("package").out()).contains("2 packages: 2 cached, 0 failed");
        Files.writeString(newerMakefile, makefile);
        ItSupport.Run fixed = kforge("package");
        assertThat(fixed.code()).as(fixed.err()).isZero();
        assertThat(fixed.out()).contains("2 packages: 1 written, 1 cached, 0 failed");
        assertThat(dkmsConf("beta")).contains("#   6.16.0-fake (x86_64)\n").contains("builds on kernels 6.1 and later");

        // A selection of cells: the package waits for and is made from those alone.
        ItSupport.Run selected = kforge("package", "beta/newer/*");
        assertThat(selected.code()).as(selected.err()).isZero();
        assertThat(selected.out()).contains("1 cells: ").contains("1 package: 1 written");
        assertThat(dkmsConf("beta")).doesNotContain("6.1.0-fake").contains("builds on kernels 6.16 and later");

        // Shards write no DKMS package (no shard has every cell); the gather writes them from all the shards' cells.
        for (String shard : List.of("1/2", "2/2")) {
            ItSupport.Run sharded = kforge("package", "--shard", shard);
            assertThat(sharded.code()).as(sharded.err()).isZero();
            assertThat(sharded.out()).doesNotContain("package-dkms");
        }
        // (A new version: no run stored these packages, so the gather writes them rather than restoring them.)
        FileTrees.deleteRecursively(ws.resolve("out"));
        Files.writeString(
                ws.resolve("kforge.toml"),
                Files.readString(ws.resolve("kforge.toml")).replace("version = \"2.0\"", "version = \"2.1\""));
        ItSupport.Run gather = kforge("gather", "--package");
        assertThat(gather.code()).as(gather.out() + gather.err()).isZero();
        assertThat(gather.out())
                .contains("4 cells: 4 gathered, 0 missing, 0 skipped; 2 packages: 0 gathered, 2 written, 0 missing");
        assertThat(dkmsConf("beta", "2.1")).contains("6.1.0-fake").contains("6.16.0-fake");
        assertThat(newer.makes()).isNotEmpty();

        // A private key in a driver's directory: its DKMS package fails (counted like any failure), no key is written.
        Files.writeString(
                ws.resolve("drivers/alpha/signing.key"),
                "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
        ItSupport.Run keyed = kforge("package", "--junit", "keyed.xml");
        assertThat(keyed.code()).as(keyed.out()).isEqualTo(1);
        assertThat(keyed.out()).contains("2 packages: 1 cached, 1 failed");
        assertThat(keyed.err())
                .contains("FAILED package-dkms/alpha: driver alpha's directory holds a private key (signing.key)");
        assertThat(Files.readString(ws.resolve("keyed.xml"))).contains("classname=\"alpha.package-dkms\"");
        Process tar = new ProcessBuilder(
                        "tar",
                        "-xzOf",
                        ws.resolve("out/packages/dkms/alpha/alpha-2.1-dkms.tar.gz")
                                .toString())
                .redirectErrorStream(true)
                .start();
        String unpacked = new String(tar.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(tar.waitFor()).isZero();
        assertThat(unpacked).as("the package written before the key came").doesNotContain("PRIVATE KEY");
    }

    /**
     * A second fake kernel, 6.16, on which {@code driver} fails to build, declared before the drivers, and a
     * [package] writing DKMS packages (version 2.0). Returns the kernel's Makefile as it was before the failure
     * was added.
     */
    String failingOnNewer(String driver) throws Exception {
        Path newerMakefile = ws.resolve("newer/Makefile");
        String makefile = Files.readString(newerMakefile);
        Files.writeString(
                newerMakefile,
                makefile.replace(
                        "\t@if [ \"$(FAIL)\" = modules ]",
                        "\t@case \"$(M)\" in */" + driver + ") echo \"$(M)/" + driver
                                + ".c:2:1: error: removed in 6.16\" >&2; exit 1;; esac\n"
                                + "\t@if [ \"$(FAIL)\" = modules ]"));
        String toml = Files.readString(ws.resolve("kforge.toml"));
        int drivers = toml.indexOf("[[driver]]");
        Files.writeString(
                ws.resolve("kforge.toml"),
                toml.substring(0, drivers) + "[[kernel]]\nname = \"newer\"\nheaders = \"newer\"\n\n"
                        + toml.substring(drivers) + "\n[package]\nversion = \"2.0\"\nformats = [\"dkms\"]\n");
        return makefile;
    }

    /**
     * A cell skipped because a driver it needs failed counts neither way, as in the compatibility report: beta
     * needs alpha, alpha fails on 6.16, so alpha's package stops below 6.16 and beta's stays open. beta's
     * package carries alpha's sources for their symbols and builds after alpha's own package.
     */
    @Test
    void aCellSkippedBecauseADriverItNeedsFailedBoundsNoDkmsPackage() throws Exception {
        FakeKernel.at(ws.resolve("newer"), "6.16.0", "6.16.0-fake");
        Files.writeString(
                ws.resolve("kforge.toml"),
                Files.readString(ws.resolve("kforge.toml"))
                        .replace(
                                "name = \"beta\"\npath = \"drivers/beta\"\n",
                                "name = \"beta\"\npath = \"drivers/beta\"\ndepends = [\"alpha\"]\n"));
        failingOnNewer("alpha");
        ItSupport.Run run = kforge("package");
        assertThat(run.code()).as(run.out() + run.err()).isEqualTo(1);
        assertThat(run.out())
                .contains("4 cells: 2 built, 0 cached, 1 failed, 1 skipped; 2 packages: 2 written, 0 failed");
        assertThat(dkmsConf("alpha")).contains("builds on kernels 6.1 up to, not including, 6.16");
        assertThat(dkmsConf("beta"))
                .contains("builds on kernels 6.1 and later")
                .contains("BUILD_DEPENDS[0]=\"alpha\"")
                .contains("/.kforge-deps/alpha/Module.symvers");
    }

    /** The dkms.conf of a driver's DKMS package in out/, read by tar. */
    String dkmsConf(String driver) throws Exception {
        return dkmsConf(driver, "2.0");
    }

    String dkmsConf(String driver, String version) throws Exception {
        Path tarball = ws.resolve("out/packages/dkms/" + driver + "/" + driver + "-" + version + "-dkms.tar.gz");
        Process p = new ProcessBuilder("tar", "-xzOf", tarball.toString(), "dkms_source_tree/dkms.conf")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }

    @Test
    void packagingNeedsAVersionAndForDebianAMaintainer() throws Exception {
        ItSupport.Run noVersion = kforge("package");
        assertThat(noVersion.code()).isEqualTo(2);
        assertThat(noVersion.err()).contains("kforge.toml:").contains("driver 'alpha' has no version to package");
        Files.writeString(ws.resolve("kforge.toml"), "\n[package]\nversion = \"1.0\"\n", StandardOpenOption.APPEND);
        ItSupport.Run noMaintainer = kforge("package");
        assertThat(noMaintainer.code()).isEqualTo(2);
        assertThat(noMaintainer.err()).contains("a Debian package needs a maintainer");
        ItSupport.Run badFormat = kforge("package", "--format", "rpm");
        assertThat(badFormat.code()).isEqualTo(2);
        assertThat(badFormat.err()).contains("--format rpm: not a package format");
    }
}
