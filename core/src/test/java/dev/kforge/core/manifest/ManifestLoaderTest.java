package dev.kforge.core.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kforge.core.KforgeException;
import dev.kforge.core.TestWorkspace;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.json.CanonicalJson;
import dev.kforge.core.json.RecordTrees;
import dev.kforge.core.model.CargoCrate;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.Language;
import dev.kforge.core.model.Packaging;
import dev.kforge.core.model.Workspace;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestLoaderTest {

    @TempDir
    Path dir;

    TestWorkspace ws;

    @BeforeEach
    void drivers() {
        ws = new TestWorkspace(dir).cDriver("drivers/a").cDriver("drivers/b").rustDriver("drivers/r");
    }

    static final String KERNEL = """
            [[kernel]]
            name = "v6.1"
            source = "/usr/src/linux-source-6.1.tar.xz"
            """;

    static final String MATRIX = """
            [[matrix]]
            arches = ["x86_64"]
            """;

    Workspace load(String text) {
        ws.manifest(text);
        Workspace loaded = new ManifestLoader(Catalog.builtIn()).load(ws.manifestPath(), "kforge.toml");
        // Every manifest loaded here also goes through the plan cache's form of a loaded manifest and back.
        Object tree = CanonicalJson.read(CanonicalJson.compact(RecordTrees.encode(loaded)));
        assertThat(RecordTrees.decode(tree, Workspace.class)).isEqualTo(loaded);
        return loaded;
    }

    ManifestException error(String text) {
        ws.manifest(text);
        try {
            new ManifestLoader(Catalog.builtIn()).load(ws.manifestPath(), "kforge.toml");
        } catch (ManifestException e) {
            assertThat(e.kind()).isEqualTo(KforgeException.Kind.USER_INPUT);
            assertThat(e.kind().exitCode()).isEqualTo(2);
            assertThat(e.hint()).isNotBlank();
            return e;
        }
        throw new AssertionError("expected a manifest error");
    }

    @Test
    void readsAFullManifest() {
        Workspace w = load("""
                [workspace]
                name = "demo"
                out = "build-out"
                """ + KERNEL + """
                [[kernel]]
                name = "host"
                headers = "/usr/src/linux-headers-*-amd64"

                [[driver]]
                name = "a"
                path = "drivers/a"
                arches = ["aarch64", "x86_64"]
                requires = ["CONFIG_PCI"]
                [driver.make]
                VERSION = "1.2"
                DEBUG = 1

                [[driver]]
                name = "b"
                path = "./drivers/b/"
                depends = ["a"]

                [[driver]]
                name = "r"
                path = "drivers/r"

                [[matrix]]
                kernels = ["v6.1"]
                arches = ["arm64", "riscv"]
                toolchains = ["gcc", "clang"]
                exclude = [{ arch = "riscv64", toolchain = "llvm" }]
                """);
        assertThat(w.name()).isEqualTo("demo");
        assertThat(w.out()).isEqualTo("build-out");
        assertThat(w.kernels()).extracting(KernelSource::name).containsExactly("v6.1", "host");
        assertThat(w.kernels().get(1).kind()).isEqualTo(KernelSource.Kind.HEADERS);
        var a = w.driver("a").orElseThrow();
        assertThat(a.arches()).containsExactly("arm64", "x86_64");
        assertThat(a.requires()).containsExactly("CONFIG_PCI");
        assertThat(a.makeVariables()).containsExactly(Map.entry("DEBUG", "1"), Map.entry("VERSION", "1.2"));
        assertThat(a.language()).isEqualTo(Language.C);
        assertThat(w.driver("b").orElseThrow().path()).isEqualTo("drivers/b");
        assertThat(w.driver("b").orElseThrow().dependsOn()).containsExactly("a");
        assertThat(w.driver("r").orElseThrow().language()).isEqualTo(Language.RUST);
        var m = w.matrices().get(0);
        assertThat(m.arches()).containsExactly("arm64", "riscv64");
        assertThat(m.toolchains()).containsExactly("gcc", "llvm");
        assertThat(m.excludes()).hasSize(1);
    }

    @Test
    void matrixDefaultsToAllKernelsAndGcc() {
        Workspace w = load(KERNEL + "[[driver]]\nname = \"a\"\npath = \"drivers/a\"\n" + MATRIX);
        assertThat(w.matrices().get(0).kernels()).containsExactly("v6.1");
        assertThat(w.matrices().get(0).toolchains()).containsExactly("gcc");
        assertThat(w.out()).isEqualTo("out");
    }

    @Test
    void tomlSyntaxError() {
        var e = error("[[driver]]\nname = \"a\npath = \"x\"\n");
        assertThat(e.getMessage()).startsWith("kforge.toml:2:").contains("TOML syntax");
    }

    @Test
    void testParamsAreInsmodWordsAndShellSyntaxInANameIsRefusedWithItsPosition() {
        String driver = "[[driver]]\nname = \"a\"\npath = \"drivers/a\"\n[driver.test]\n";
        ws.cDriver("drivers/a");
        var loaded = load(KERNEL + driver + "params = 'n=abc; true msg=\"a b\"'\n" + MATRIX);
        assertThat(loaded.driver("a").orElseThrow().test().paramWords())
                .containsExactly("n=abc;", "true", "msg=\"a b\"");
        var e = error(KERNEL + driver + "params = \"n=$(echo 7)\"\n" + MATRIX);
        assertThat(e.getMessage())
                .isEqualTo("kforge.toml:8:1: driver 'a': params word 2 '7)' is not NAME or NAME=VALUE "
                        + "(a parameter name is letters, digits, _ . -)");
        assertThat(error(KERNEL + driver + "params = 'msg=\"open'\n" + MATRIX).getMessage())
                .isEqualTo("kforge.toml:8:1: driver 'a': params have an unclosed double quote");
    }

    @Test
    void aDriverBuildTimeoutIsOneSecondToADayAsTheMessageSays() {
        ws.cDriver("drivers/a");
        String driver = "[[driver]]\nname = \"a\"\npath = \"drivers/a\"\n";
        assertThat(load(KERNEL + driver + "timeout = 1\n" + MATRIX)
                        .driver("a")
                        .orElseThrow()
                        .timeoutSeconds())
                .isEqualTo(1);
        assertThat(error(KERNEL + driver + "timeout = 0\n" + MATRIX).getMessage())
                .isEqualTo("kforge.toml:7:1: timeout must be between 1 and 86400 seconds, not 0");
        assertThat(error(KERNEL + driver + "timeout = 86401\n" + MATRIX).getMessage())
                .isEqualTo("kforge.toml:7:1: timeout must be between 1 and 86400 seconds, not 86401");
    }

    @Test
    void aManifestsRemoteCacheCarriesNoCredentials() {
        ws.cDriver("drivers/a");
        String driver = "[[driver]]\nname = \"a\"\npath = \"drivers/a\"\n";
        assertThat(load("[workspace]\nremote-cache = \"http://cache.example:9090/kforge\"\n" + KERNEL + driver + MATRIX)
                        .remoteCache())
                .contains("http://cache.example:9090/kforge");
        for (String url :
                List.of("http://ci:s3cret@cache.example/kforge", "http://cache.example/kforge?token=s3cret")) {
            var e = error("[workspace]\nremote-cache = \"" + url + "\"\n" + KERNEL + driver + MATRIX);
            assertThat(e.getMessage())
                    .isEqualTo("kforge.toml:2:1: remote-cache must not carry credentials (user:password@ or a ?query)")
                    .doesNotContain("s3cret");
            assertThat(e.hint()).contains("KFORGE_REMOTE_CACHE_HEADER");
        }
    }

    @Test
    void debianKernelLinesNameSuitesAndASelector() {
        ws.cDriver("drivers/a");
        String driver = "[[driver]]\nname = \"a\"\npath = \"drivers/a\"\n";
        var k = load("[[kernel]]\nname = \"lines\"\ndebian = \"all\"\nsuites = [\"bullseye\", \"trixie-backports\"]\n"
                        + driver + MATRIX)
                .kernel("lines")
                .orElseThrow();
        assertThat(k.suites()).containsExactly("bullseye", "trixie-backports");
        assertThat(k.path()).isEqualTo("all");
        assertThat(k.expands()).isTrue();
        assertThat(k.expanded(Optional.of("trixie-backports"), "7.3.4+deb13").name())
                .isEqualTo("lines-trixie-backports-7.3.4+deb13");
        for (String abi : List.of("6.1.0-57", "7.3.4+deb13", "7.3", "5.10.0-32")) {
            assertThat(load("[[kernel]]\nname = \"k\"\ndebian = \"" + abi + "\"\n" + driver + MATRIX)
                            .kernel("k")
                            .orElseThrow()
                            .path())
                    .isEqualTo(abi);
        }
        assertThat(error("[[kernel]]\nname = \"k\"\nheaders = \"/usr/src/x\"\nsuites = [\"sid\"]\n" + driver + MATRIX)
                        .getMessage())
                .isEqualTo("kforge.toml:4:11: kernel 'k': suites go with debian = \"...\"");
        assertThat(error("[[kernel]]\nname = \"k\"\ndebian = \"latest\"\nsuites = [\"Sid!\"]\n" + driver + MATRIX)
                        .getMessage())
                .isEqualTo("kforge.toml:4:11: 'Sid!' is not a suite name");
    }

    @Test
    void xfailNamesADriverAndWhereItFailsWithAReason() {
        ws.cDriver("drivers/a");
        String driver = "[[driver]]\nname = \"a\"\npath = \"drivers/a\"\n";
        var w = load(KERNEL + driver + MATRIX
                + "[[xfail]]\ndriver = \"a\"\nkernel = \"v6.1\"\narch = \"aarch64\"\nfrom = \"6.0\"\nreason = \"r\"\n");
        assertThat(w.xfail()).singleElement().satisfies(x -> {
            assertThat(x.driver()).isEqualTo("a");
            assertThat(x.kernel()).contains("v6.1");
            assertThat(x.arch()).contains("arm64");
            assertThat(x.from()).contains("6.0");
            assertThat(x.reason()).isEqualTo("r");
        });
        assertThat(error(KERNEL + driver + MATRIX + "[[xfail]]\ndriver = \"a\"\n")
                        .getMessage())
                .isEqualTo("kforge.toml:10:1: [[xfail]] needs a reason");
        assertThat(error(KERNEL + driver + MATRIX + "[[xfail]]\ndriver = \"b\"\nreason = \"r\"\n")
                        .getMessage())
                .isEqualTo("kforge.toml:10:1: [[xfail]] names unknown driver 'b'");
        assertThat(error(KERNEL + driver + MATRIX + "[[xfail]]\ndriver = \"a\"\nfrom = \"seven\"\nreason = \"r\"\n")
                        .getMessage())
                .startsWith("kforge.toml:11:1: [[xfail]] from must be a kernel version");
    }

    @Test
    void unknownKeySuggestsTheClosest() {
        var e = error(KERNEL + "[[driver]]\nname = \"a\"\npaht = \"drivers/a\"\n" + MATRIX);
        assertThat(e.pos().line()).isEqualTo(6);
        assertThat(e.getMessage()).isEqualTo("kforge.toml:6:1: unknown key 'paht' in driver[0]");
        assertThat(e.hint()).isEqualTo("did you mean 'path'?");
    }

    @Test
    void unknownTopLevelTable() {
        var e = error("[[drivers]]\nname = \"a\"\n");
        assertThat(e.getMessage()).isEqualTo("kforge.toml:1:1: unknown key 'drivers' in ");
        assertThat(e.hint()).isEqualTo("did you mean 'driver'?");
    }

    @Test
    void wrongType() {
        var e = error(KERNEL + "[[driver]]\nname = \"a\"\npath = \"drivers/a\"\narches = \"x86_64\"\n" + MATRIX);
        assertThat(e.getMessage())
                .isEqualTo("kforge.toml:7:1: driver[0].arches must be an array of strings, not a string");
    }

    @Test
    void wrongElementType() {
        var e = error(
                KERNEL + "[[driver]]\nname = \"a\"\npath = \"drivers/a\"\nrequires = [\"CONFIG_A\", 3]\n" + MATRIX);
        assertThat(e.getMessage())
                .isEqualTo("kforge.toml:7:25: driver[0].requires[1] must be a string, not an integer");
    }

    @Test
    void unknownArchitectureListsTheKnownOnes() {
        var e = error(KERNEL
                + "[[driver]]\nname = \"a\"\npath = \"drivers/a\"\n[[matrix]]\narches = [\"x86_64\", \"risc5\"]\n");
        assertThat(e.getMessage())
                .isEqualTo("kforge.toml:8:21: unknown architecture 'risc5' (known: arm64, armhf, i386, "
                        + "loongarch64, powerpc64le, riscv64, s390x, x86_64)");
        assertThat(e.hint()).isEqualTo("did you mean 'riscv64'?");
    }

    @Test
    void unknownToolchain() {
        var e = error(
                KERNEL
                        + "[[driver]]\nname = \"a\"\npath = \"drivers/a\"\n[[matrix]]\narches = [\"x86_64\"]\ntoolchains = [\"gcc\", \"icc\"]\n");
        assertThat(e.getMessage()).isEqualTo("kforge.toml:9:22: unknown toolchain 'icc' (known: gcc, llvm)");
    }

    @Test
    void unknownKernelInMatrix() {
        var e = error(
                KERNEL
                        + "[[driver]]\nname = \"a\"\npath = \"drivers/a\"\n[[matrix]]\nkernels = [\"v6.2\"]\narches = [\"x86_64\"]\n");
        assertThat(e.getMessage()).isEqualTo("kforge.toml:8:12: unknown kernel 'v6.2' (declared: v6.1)");
        assertThat(e.hint()).isEqualTo("did you mean 'v6.1'?");
    }

    @Test
    void duplicateDriverName() {
        var e = error(KERNEL
                + "[[driver]]\nname = \"a\"\npath = \"drivers/a\"\n\n[[driver]]\nname = \"a\"\npath = \"drivers/b\"\n"
                + MATRIX);
        assertThat(e.getMessage()).isEqualTo("kforge.toml:9:1: duplicate driver name 'a'");
        assertThat(e.hint()).isEqualTo("first declared at kforge.toml:5:1; driver names must be unique");
    }

    @Test
    void dependencyCycle() {
        var e = error(KERNEL + "[[driver]]\nname = \"a\"\npath = \"drivers/a\"\ndepends = [\"b\"]\n\n"
                + "[[driver]]\nname = \"b\"\npath = \"drivers/b\"\ndepends = [\"a\"]\n" + MATRIX);
        assertThat(e.getMessage()).isEqualTo("kforge.toml:5:1: dependency cycle: a -> b -> a");
    }

    @Test
    void unknownDependency() {
        var e = error(KERNEL + "[[driver]]\nname = \"a\"\npath = \"drivers/a\"\ndepends = [\"bb\"]\n" + MATRIX);
        assertThat(e.getMessage()).isEqualTo("kforge.toml:5:1: driver 'a' depends on unknown driver 'bb'");
    }

    @Test
    void missingPath() {
        var e = error(KERNEL + "[[driver]]\nname = \"a\"\npath = \"drivers/nope\"\n" + MATRIX);
        assertThat(e.getMessage()).isEqualTo("kforge.toml:6:1: driver 'a': directory 'drivers/nope' does not exist");
    }

    @Test
    void directoryWithoutKbuild() {
        ws.write("drivers/empty/README", "nothing\n");
        var e = error(KERNEL + "[[driver]]\nname = \"a\"\npath = \"drivers/empty\"\n" + MATRIX);
        assertThat(e.getMessage()).isEqualTo("kforge.toml:6:1: driver 'a': 'drivers/empty' has no Kbuild or Makefile");
    }

    @Test
    void pathsCannotLeaveTheWorkspace() {
        var e = error(KERNEL + "[[driver]]\nname = \"a\"\npath = \"../elsewhere\"\n" + MATRIX);
        assertThat(e.getMessage()).isEqualTo("kforge.toml:6:1: path '../elsewhere' leaves the workspace");
        var abs = error(KERNEL + "[[driver]]\nname = \"a\"\npath = \"/etc\"\n" + MATRIX);
        assertThat(abs.getMessage()).isEqualTo("kforge.toml:6:1: path '/etc' leaves the workspace");
    }

    @Test
    void badNamesAreRejected() {
        var e = error(KERNEL + "[[driver]]\nname = \"x; rm -rf ~\"\npath = \"drivers/a\"\n" + MATRIX);
        assertThat(e.getMessage()).isEqualTo("kforge.toml:5:1: invalid driver name 'x; rm -rf ~'");
    }

    @Test
    void kernelNeedsExactlyOneSource() {
        var e = error("[[kernel]]\nname = \"k\"\nheaders = \"/a\"\nsource = \"/b\"\n" + MATRIX);
        assertThat(e.getMessage())
                .isEqualTo("kforge.toml:2:1: kernel 'k' needs exactly one of 'headers', 'source', 'debian', 'deb' or"
                        + " 'distribution'");
    }

    @Test
    void aDistributionKernelNamesItsDistributionAndTakesAnAbi() {
        String driver = "[[driver]]\nname = \"a\"\npath = \"drivers/a\"\n";
        KernelSource k = load("[[kernel]]\nname = \"k\"\ndistribution = \"fakeos\"\nabi = \"1.2\"\n" + driver + MATRIX)
                .kernel("k")
                .orElseThrow();
        assertThat(k.kind()).isEqualTo(KernelSource.Kind.DISTRO);
        assertThat(k.distribution()).contains("fakeos");
        assertThat(k.path()).isEqualTo("1.2");
        assertThat(k.kindKey()).isEqualTo("fakeos");
        assertThat(load("[[kernel]]\nname = \"k\"\ndebian = \"latest\"\n" + driver + MATRIX)
                        .kernel("k")
                        .orElseThrow()
                        .distribution())
                .contains("debian");
        var abi = error("[[kernel]]\nname = \"k\"\nheaders = \"/a\"\nabi = \"1.2\"\n" + MATRIX);
        assertThat(abi.getMessage()).isEqualTo("kforge.toml:4:1: kernel 'k': abi goes with distribution = \"NAME\"");
        var name = error("[[kernel]]\nname = \"k\"\ndistribution = \"a b\"\n" + MATRIX);
        assertThat(name.getMessage()).isEqualTo("kforge.toml:3:1: 'a b' is not a distribution name");
    }

    @Test
    void debianKernelsTakeAnAbiOrLatestAndNoConfig() {
        var bad = error("[[kernel]]\nname = \"k\"\ndebian = \"bookworm\"\n" + MATRIX);
        assertThat(bad.getMessage()).isEqualTo("kforge.toml:3:1: 'bookworm' is not a Debian kernel ABI");
        var config = error("[[kernel]]\nname = \"k\"\ndebian = \"latest\"\nconfig = \"defconfig\"\n" + MATRIX);
        assertThat(config.getMessage())
                .contains("kernel 'k' is a prebuilt headers tree; config and fragments apply only");
        var symvers = error("[[kernel]]\nname = \"k\"\ndebian = \"6.1.0-56\"\nsymvers = true\n" + MATRIX);
        assertThat(symvers.getMessage()).isEqualTo("kforge.toml:4:1: kernel 'k': symvers applies to source kernels");
        var type = error("[[kernel]]\nname = \"k\"\nsource = \"/usr/src/linux-source-6.1.tar.xz\"\nsymvers = \"yes\"\n"
                + MATRIX);
        assertThat(type.getMessage()).startsWith("kforge.toml:4:").contains("true or false");
    }

    @Test
    void toolchainRootsAreNamedBySourceKernelsAndTestTablesAreChecked() {
        String root = "[[toolchain_root]]\nname = \"trixie\"\ndebian = \"trixie\"\n";
        var unknown = error(
                root + "[[kernel]]\nname = \"k\"\nsource = \"/usr/src/linux-source-6.1.tar.xz\"\nroot = \"trixy\"\n"
                        + MATRIX);
        assertThat(unknown.getMessage()).isEqualTo("kforge.toml:7:1: kernel 'k' names unknown toolchain root 'trixy'");
        assertThat(unknown.hint()).contains("trixie");
        var headers = error(root + "[[kernel]]\nname = \"k\"\nheaders = \"/a\"\nroot = \"trixie\"\n" + MATRIX);
        assertThat(headers.getMessage())
                .isEqualTo("kforge.toml:7:1: kernel 'k': root applies to source and Debian kernels");
        // A Debian kernel may name the root it is built in (its Rust tree too), and fragments for that tree.
        var debian = load(root + "[[kernel]]\nname = \"k\"\ndebian = \"latest\"\nsuites = [\"trixie-backports\"]\n"
                        + "root = \"trixie\"\nfragments = [\"x.config\"]\n" + MATRIX)
                .kernel("k")
                .orElseThrow();
        assertThat(debian.root()).contains("trixie");
        assertThat(debian.fragments()).containsExactly("x.config");
        var fragments = error("[[kernel]]\nname = \"k\"\nheaders = \"/a\"\nfragments = [\"x.config\"]\n" + MATRIX);
        assertThat(fragments.getMessage()).contains("config and fragments apply only");
        var suite = error("[[toolchain_root]]\nname = \"t\"\ndebian = \"Trixie 13\"\n" + KERNEL + MATRIX);
        assertThat(suite.getMessage()).isEqualTo("kforge.toml:3:1: 'Trixie 13' is not a Debian suite name");
        var boot = error("[[kernel]]\nname = \"k\"\ndebian = \"latest\"\nboot = true\n" + MATRIX);
        assertThat(boot.getMessage()).isEqualTo("kforge.toml:4:1: kernel 'k': boot applies to source kernels");
    }

    @Test
    void requiresMustBeConfigOptions() {
        var e = error(KERNEL + "[[driver]]\nname = \"a\"\npath = \"drivers/a\"\nrequires = [\"PCI\"]\n" + MATRIX);
        assertThat(e.getMessage()).isEqualTo("kforge.toml:7:13: 'PCI' is not a kernel config option");
    }

    @Test
    void excludeEntriesPointAtTheirFirstKey() {
        Workspace w = load(
                KERNEL + "[[driver]]\nname = \"a\"\npath = \"drivers/a\"\n[[matrix]]\narches = [\"x86_64\"]\n"
                        + "exclude = [\n  { arch = \"x86_64\", toolchain = \"llvm\" },\n  { toolchain = \"gcc\" },\n]\n");
        assertThat(w.matrices().get(0).excludes())
                .extracting(e -> e.pos().toString())
                .containsExactly("kforge.toml:10:5", "kforge.toml:11:5");
    }

    @Test
    void matrixDriversMustBeDeclared() {
        var e = error(
                KERNEL
                        + "[[driver]]\nname = \"a\"\npath = \"drivers/a\"\n[[matrix]]\ndrivers = [\"b\"]\narches = [\"x86_64\"]\n");
        assertThat(e.getMessage()).isEqualTo("kforge.toml:8:12: unknown driver 'b' (declared: a)");
    }

    @Test
    void cargoCompanions() {
        ws.write("drivers/a/tool/Cargo.toml", "[package]\nname = \"tool\"\n");
        Workspace w = load(
                KERNEL + "[[driver]]\nname = \"a\"\npath = \"drivers/a\"\n[[driver.cargo]]\npath = \"drivers/a/tool\"\n"
                        + "role = \"tool\"\n" + MATRIX);
        var c = w.driver("a").orElseThrow().cargo();
        assertThat(c).hasSize(1);
        assertThat(c.get(0).name()).isEqualTo("tool");
        assertThat(c.get(0).role()).isEqualTo(CargoCrate.Role.TOOL);
        var role = error(
                KERNEL + "[[driver]]\nname = \"a\"\npath = \"drivers/a\"\n[[driver.cargo]]\npath = \"drivers/a/tool\"\n"
                        + "role = \"bench\"\n" + MATRIX);
        assertThat(role.getMessage()).isEqualTo("kforge.toml:9:1: unknown cargo role 'bench' (known: test, tool)");
        var missing = error(
                KERNEL + "[[driver]]\nname = \"a\"\npath = \"drivers/a\"\n[[driver.cargo]]\npath = \"drivers/a\"\n"
                        + "role = \"test\"\n" + MATRIX);
        assertThat(missing.getMessage()).isEqualTo("kforge.toml:8:1: driver 'a': 'drivers/a' has no Cargo.toml");
    }

    @Test
    void missingMatrix() {
        var e = error(KERNEL + "[[driver]]\nname = \"a\"\npath = \"drivers/a\"\n");
        assertThat(e.getMessage()).isEqualTo("kforge.toml:1:1: no [[matrix]] table");
    }

    @Test
    void missingRequiredKey() {
        var e = error(KERNEL + "[[driver]]\npath = \"drivers/a\"\n" + MATRIX);
        assertThat(e.getMessage()).isEqualTo("kforge.toml:5:1: driver[0] lacks required key 'name'");
    }

    @Test
    void missingManifestIsAUserError() {
        assertThatThrownBy(() -> new ManifestLoader(Catalog.builtIn()).load(dir.resolve("nope.toml"), "nope.toml"))
                .isInstanceOfSatisfying(KforgeException.class, e -> {
                    assertThat(e.kind()).isEqualTo(KforgeException.Kind.USER_INPUT);
                    assertThat(e.getMessage()).isEqualTo("manifest nope.toml not found");
                });
    }

    @Test
    void packageTableAndADriverVersionAreCheckedWithTheirPositions() {
        String driver = "[[driver]]\nname = \"a\"\npath = \"drivers/a\"\nversion = \"3.1~rc1\"\n";
        Workspace w = load(KERNEL + driver + MATRIX
                + "[package]\nmaintainer = \"Jane Doe <jane@example.org>\"\nversion = \"1.0\"\n"
                + "formats = [\"oci\", \"deb\"]\ndescription = \"Acme frobnicator driver\"\n");
        assertThat(w.packaging().maintainer()).contains("Jane Doe <jane@example.org>");
        assertThat(w.packaging().formats()).containsExactly("oci", "deb");
        assertThat(w.packaging().description()).contains("Acme frobnicator driver");
        assertThat(w.packaging().versionOf(w.driver("a").orElseThrow())).contains("3.1~rc1");
        assertThat(load(KERNEL + driver + MATRIX).packaging()).isEqualTo(Packaging.DEFAULT);

        assertThat(error(KERNEL + driver + MATRIX + "[package]\nmaintainer = \"jane\"\n")
                        .getMessage())
                .startsWith("kforge.toml:")
                .contains("is not 'Name <address>'");
        assertThat(error(KERNEL + driver + MATRIX + "[package]\nformats = [\"rpm\"]\n")
                        .getMessage())
                .contains("unknown package format 'rpm'");
        assertThat(error(KERNEL + driver + MATRIX + "[package]\nformats = []\n").getMessage())
                .contains("[package] formats is empty");
        assertThat(error(KERNEL + driver.replace("3.1~rc1", "1.0-2") + MATRIX).getMessage())
                .matches("(?s)kforge.toml:\\d+:\\d+: driver 'a' version '1.0-2' is not a package version.*");
        assertThat(error(KERNEL + driver + MATRIX + "[package]\nlicense = \"GPL\"\n")
                        .getMessage())
                .contains("license");
    }
}
