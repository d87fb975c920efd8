package dev.kforge.cli;

import static dev.kforge.cli.ItSupport.cells;
import static dev.kforge.cli.ItSupport.kforge;
import static dev.kforge.cli.ItSupport.kforgeWithEnv;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import dev.kforge.core.digest.Digest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Debian's kernels of other ports, fetched by kforge from the real archive and built against with real Kbuild. */
class DebianIT {

    @TempDir
    Path dir;

    static final String UNKNOWN_SYMBOL = """
            // SPDX-License-Identifier: GPL-2.0
            #include <linux/module.h>

            void kforge_no_kernel_exports_this(void);

            static int __init ghost_init(void)
            {
            	kforge_no_kernel_exports_this();
            	return 0;
            }
            module_init(ghost_init);
            MODULE_LICENSE("GPL");
            """;

    Path workspace(String kernel, String arches) {
        new TestWorkspace(dir)
                .cDriver("drivers/good")
                .write("drivers/ghost/Kbuild", "obj-m += ghost.o\n")
                .write("drivers/ghost/ghost.c", UNKNOWN_SYMBOL)
                .manifest("""
                        [[kernel]]
                        name = "bookworm"
                        debian = "%s"
                        [[kernel]]
                        name = "v6.1"
                        source = "/usr/src/linux-source-6.1.tar.xz"
                        [[driver]]
                        name = "good"
                        path = "drivers/good"
                        [[driver]]
                        name = "ghost"
                        path = "drivers/ghost"
                        [[matrix]]
                        kernels = ["bookworm"]
                        arches = [%s]
                        [[matrix]]
                        kernels = ["v6.1"]
                        arches = ["arm64"]
                        """.formatted(kernel, arches));
        return dir;
    }

    @Test
    void debiansArm64AndArmhfKernelsCheckEverySymbolAndInstallNothing() throws Exception {
        Path ws = workspace("latest", "\"arm64\", \"armhf\", \"riscv64\"");
        ItSupport.Run run = kforge(ws, "build", "--no-cache");
        assertThat(run.code()).as(run.err()).isEqualTo(1);
        var cells = cells(ws.resolve("out"));
        for (String arch : List.of("arm64", "armhf")) {
            assertThat(cells.get("good/bookworm/" + arch + "-gcc"))
                    .containsEntry("status", "built")
                    .containsEntry("symbols", "checked");
            var ghost = cells.get("ghost/bookworm/" + arch + "-gcc");
            assertThat(ghost).containsEntry("status", "failed");
            assertThat((String) ghost.get("message"))
                    .contains("\"kforge_no_kernel_exports_this\"")
                    .contains("undefined");
        }
        assertThat(ItSupport.vermagic(ws.resolve("out/bookworm/arm64-gcc/good/good.ko")))
                .contains("-arm64 SMP")
                .contains("modversions");
        // The same driver against a tree from modules_prepare "builds": its symbols are unchecked there.
        assertThat(cells.get("ghost/v6.1/arm64-gcc"))
                .containsEntry("status", "built")
                .containsEntry("symbols", "unchecked");
        assertThat((String) cells.get("good/bookworm/riscv64-gcc").get("message"))
                .contains("has no riscv64 port");

        // Nothing kernel- or compiler-related of a foreign architecture was installed.
        Process q =
                new ProcessBuilder("dpkg-query", "-W", "-f=${Package}:${Architecture} ${db:Status-Abbrev}\\n").start();
        List<String> foreign = new String(q.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .lines()
                // gcc-12-base:arm64 (documentation, pulled by libstd-rust-dev:arm64) is harmless; a foreign gcc is not.
                .filter(l ->
                        l.matches("(linux-headers-\\S*|linux-image-\\S*|gcc|gcc-\\d+|cpp|cpp-\\d+):(arm64|armhf) ii.*"))
                .toList();
        assertThat(q.waitFor()).isZero();
        assertThat(foreign).isEmpty();
    }

    @Test
    void aForeignArchitectureThatIsNotEnabledIsAnEnvironmentErrorWithTheFix() {
        Path ws = workspace("latest", "\"i386\"");
        ItSupport.Run run = kforge(ws, "plan");
        assertThat(run.code()).as(run.err()).isEqualTo(3);
        assertThat(run.err())
                .contains("dpkg architecture i386 is not enabled")
                .contains("hint: dpkg --add-architecture i386 && apt-get update");
    }

    @Test
    void anUnknownAbiNamesTheFix() {
        Path ws = workspace("6.1.0-9999", "\"arm64\"");
        ItSupport.Run run = kforge(ws, "plan");
        assertThat(run.code()).isEqualTo(3);
        assertThat(run.err())
                .contains("apt sees no linux-headers-6.1.0-9999-arm64:arm64")
                .contains("kforge kernels");
    }

    /** A torn download and a damaged tree in the cache are noticed, and fetched and unpacked again. */
    @Test
    void aTruncatedDebOrADamagedTreeIsFetchedAgain() throws Exception {
        Path ws = workspace("latest", "\"arm64\"");
        Map<String, String> env =
                Map.of("KFORGE_CACHE_DIR", dir.resolve("cache").toString());
        ItSupport.Run first = kforgeWithEnv(ws, env, "build", "good/bookworm/*");
        assertThat(first.code()).as(first.err()).isZero();
        Path debs = dir.resolve("cache/debian/debs");
        Path deb;
        try (Stream<Path> s = Files.list(debs)) {
            deb = s.filter(p -> p.getFileName().toString().contains("-arm64_"))
                    .findFirst()
                    .orElseThrow();
        }
        String sha = Digest.ofFile(deb).hex();
        Path tree;
        try (Stream<Path> s = Files.list(dir.resolve("cache/debian"))) {
            tree = s.filter(p -> p.getFileName().toString().endsWith("-arm64_arm64"))
                    .findFirst()
                    .orElseThrow();
        }
        // Truncate the cached package and remove the tree's marker: the next run must not trust either.
        Files.write(deb, Arrays.copyOf(Files.readAllBytes(deb), 1000));
        Files.delete(tree.resolve(".kforge-debian.json"));
        ItSupport.Run again = kforgeWithEnv(ws, env, "build", "--no-cache", "good/bookworm/*");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.commands()).anyMatch(argv -> argv.get(0).equals("apt-get") && argv.contains("download"));
        assertThat(Digest.ofFile(deb).hex()).isEqualTo(sha);
        assertThat(tree.resolve(".kforge-debian.json")).isRegularFile();

        // A tree that lost a file is unpacked again before use.
        Files.delete(tree.resolve("root/usr/src")
                .resolve(tree.getFileName().toString().replace("_arm64", ""))
                .resolve("Module.symvers"));
        ItSupport.Run third = kforgeWithEnv(ws, env, "build", "--no-cache", "good/bookworm/*");
        assertThat(third.code()).as(third.err()).isZero();
        assertThat(cells(ws.resolve("out")).get("good/bookworm/arm64-gcc"))
                .containsEntry("status", "built")
                .containsEntry("symbols", "checked");
    }

    /** deb = "...": a headers package the user already has (offline, another distribution) serves its own arch. */
    @Test
    void aHeadersPackageNamedInTheManifestServesItsArchitecture() throws Exception {
        Process latest = new ProcessBuilder("apt-cache", "depends", "linux-headers-arm64:arm64").start();
        String out = new String(latest.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(latest.waitFor()).isZero();
        String pkg = out.replaceAll("(?s).*Depends: (linux-headers-\\S+-arm64):arm64.*", "$1");
        Process download = new ProcessBuilder(
                        "apt-get", "download", "-q", "-o", "APT::Sandbox::User=root", pkg + ":arm64")
                .directory(Files.createDirectories(dir.resolve("debs")).toFile())
                .inheritIO()
                .start();
        assertThat(download.waitFor()).isZero();
        String deb;
        try (Stream<Path> s = Files.list(dir.resolve("debs"))) {
            deb = dir.relativize(s.findFirst().orElseThrow()).toString();
        }
        new TestWorkspace(dir).cDriver("drivers/good").manifest("""
                [[kernel]]
                name = "mine"
                deb = "%s"
                [[driver]]
                name = "good"
                path = "drivers/good"
                [[matrix]]
                arches = ["arm64", "x86_64"]
                """.formatted(deb));
        ItSupport.Run run = kforge(dir, "build", "--no-cache");
        assertThat(run.code()).as(run.err()).isZero();
        var cells = cells(dir.resolve("out"));
        assertThat(cells.get("good/mine/arm64-gcc"))
                .containsEntry("status", "built")
                .containsEntry("symbols", "checked");
        assertThat((String) cells.get("good/mine/x86_64-gcc").get("message")).contains("configured for arm64 only");
        assertThat(ItSupport.vermagic(dir.resolve("out/mine/arm64-gcc/good/good.ko")))
                .contains("-arm64 SMP");
    }

    /** Two kforge processes that need the same tree at once share one fetch: one download, one tree, nothing half-done. */
    @Test
    void concurrentRunsShareOneFetch() throws Exception {
        Path ws = workspace("latest", "\"arm64\"");
        Path cache = dir.resolve("shared-cache");
        List<Process> runs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            ProcessBuilder pb = new ProcessBuilder(ItSupport.launcher().toString(), "plan", "--format", "text")
                    .directory(ws.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("run" + i + ".log").toFile());
            pb.environment().put("KFORGE_CACHE_DIR", cache.toString());
            runs.add(pb.start());
        }
        for (int i = 0; i < 2; i++) {
            assertThat(runs.get(i).waitFor(5, TimeUnit.MINUTES)).isTrue();
            assertThat(runs.get(i).exitValue())
                    .as(Files.readString(dir.resolve("run" + i + ".log")))
                    .isZero();
        }
        try (Stream<Path> s = Files.list(cache.resolve("debian/debs"))) {
            assertThat(s.filter(p -> p.getFileName().toString().contains("-arm64_"))
                            .toList())
                    .hasSize(1);
        }
        try (Stream<Path> s = Files.walk(cache.resolve("debian"), 1)) {
            List<Path> entries = s.toList();
            assertThat(entries)
                    .noneMatch(p -> p.getFileName().toString().contains(".tmp-")
                            || p.getFileName().toString().startsWith("download-"));
            assertThat(entries)
                    .filteredOn(p ->
                            Files.isDirectory(p) && p.getFileName().toString().endsWith("-arm64_arm64"))
                    .singleElement()
                    .satisfies(t -> assertThat(t.resolve(".kforge-debian.json")).isRegularFile());
        }
    }
}
