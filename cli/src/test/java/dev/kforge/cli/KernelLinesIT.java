package dev.kforge.cli;

import static dev.kforge.cli.ItSupport.kforge;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.kforge.core.TestWorkspace;
import dev.kforge.core.digest.Digest;
import java.awt.image.BufferedImage;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kernel lines against Debian's real archive: suites other than the host's resolved through
 * kforge's own apt (never the host's), each suite's newest ABI found and its headers fetched for
 * x86_64 and arm64. Versions are matched by pattern, so the test holds as the archive moves on.
 */
class KernelLinesIT {

    @TempDir
    Path dir;

    /** /etc/apt's files and the dpkg database's package list, as digests. */
    static String hostApt() throws Exception {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.walk(Path.of("/etc/apt"))) {
            for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                sb.append(p).append(' ').append(Digest.ofFile(p).hex()).append('\n');
            }
        }
        Process dpkg =
                new ProcessBuilder("dpkg", "-l").redirectErrorStream(true).start();
        sb.append(Digest.of(new String(dpkg.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .hex());
        assertThat(dpkg.waitFor()).isZero();
        return sb.toString();
    }

    @Test
    void eachSuitesNewestKernelIsResolvedAndFetchedForX86AndArm64WithoutTouchingTheHostsApt() throws Exception {
        String before = hostApt();
        new TestWorkspace(dir)
                .write("drivers/a/Kbuild", "obj-m += a.o\n")
                // A driver that breaks from 7.0 on: the report names the first kernel that fails and why.
                .write("drivers/old/Kbuild", "obj-m += old.o\n")
                .write(
                        "drivers/old/old.c",
                        "#include <linux/module.h>\n#include <linux/version.h>\n"
                                + "#if LINUX_VERSION_CODE >= KERNEL_VERSION(7, 0, 0)\n#error \"old knows no 7.x\"\n#endif\n"
                                + "MODULE_LICENSE(\"GPL\");\n/* " + dir + " */\n")
                // Unique to this run (its directory in a comment), so every line is built, not restored.
                .write("drivers/a/a.c", "#include <linux/module.h>\nMODULE_LICENSE(\"GPL\");\n/* " + dir + " */\n")
                .manifest("""
                        [[kernel]]
                        name = "lines"
                        debian = "latest"
                        suites = ["bullseye", "bookworm-backports", "trixie-backports", "sid", "experimental"]
                        [[driver]]
                        name = "a"
                        path = "drivers/a"
                        [[driver]]
                        name = "old"
                        path = "drivers/old"
                        [[matrix]]
                        arches = ["x86_64", "arm64"]
                        [[xfail]]
                        driver = "old"
                        kernel = "lines"
                        from = "7.0"
                        reason = "old knows no 7.x (issue #7)"
                        """);
        ItSupport.Run plan = kforge(dir, "plan", "--format", "text");
        assertThat(plan.code()).as(plan.err()).isZero();
        // One cell per suite's newest kernel and arch, each named by suite and ABI.
        List<String> cells = plan.out()
                .lines()
                .filter(l -> l.startsWith("build/"))
                .map(l -> l.substring("build/".length()))
                .toList();
        assertThat(cells).as(plan.out()).hasSize(20);
        for (String arch : List.of("x86_64", "arm64")) {
            for (String line : List.of(
                    "bullseye-5\\.10\\.0-\\d+",
                    "bookworm-backports-\\d+\\.\\d+\\.\\d+\\+deb12",
                    "trixie-backports-\\d+\\.\\d+(\\.\\d+)?\\+deb13",
                    "sid-\\d+\\.\\d+(\\.\\d+)?\\+deb\\d+",
                    "experimental-\\d+\\.\\d+(\\.\\d+)?(\\+deb\\d+)?")) {
                assertThat(cells).anyMatch(c -> c.matches("a/lines-" + line + "/" + arch + "-gcc"));
            }
        }
        // The headers trees are fetched (each checked: .config for its arch, Module.symvers) into the cache.
        Path debian = ItSupport.itCache().resolve("debian");
        try (Stream<Path> s = Files.list(debian)) {
            List<String> trees = s.map(p -> p.getFileName().toString()).toList();
            assertThat(trees).anyMatch(t -> t.matches("linux-headers-5\\.10\\.0-\\d+-arm64_arm64"));
            assertThat(trees).anyMatch(t -> t.matches("linux-headers-\\d+\\.\\d+(\\.\\d+)?\\+deb13-amd64_amd64"));
        }
        // Each suite's lists are kforge's own, verified Release files included.
        for (String suite : List.of("bullseye", "trixie-backports")) {
            try (Stream<Path> s =
                    Files.list(debian.resolve("suites").resolve(suite).resolve("state/lists"))) {
                assertThat(s.map(p -> p.getFileName().toString()))
                        .anyMatch(n -> n.endsWith("_dists_" + suite + "_InRelease"));
            }
        }
        ItSupport.Run kernels = kforge(dir, "kernels", "--suite", "bullseye", "--arch", "arm64");
        assertThat(kernels.code()).as(kernels.err()).isZero();
        assertThat(kernels.out()).containsPattern("bullseye +5\\.10\\.0-\\d+ +arm64 +debian = \"5\\.10\\.0-\\d+\"");

        // Each line is built with its own compiler: the host's release on the host, the others in a root of
        // their release (bullseye's gcc-10, trixie's gcc-14, sid's), every symbol checked against its Module.symvers.
        // old's failures from 7.0 on are expected ([[xfail]]): reported xfail, the run passes; JUnit skips them.
        ItSupport.Run build = kforge(dir, "build", "--junit", "junit.xml");
        assertThat(build.code()).as(build.out() + build.err()).isZero();
        assertThat(build.out()).contains("20 cells: 14 built, 0 cached, 0 failed, 0 skipped, 6 xfail -> ");
        assertThat(ItSupport.json(dir.resolve("out/kforge-results.json"))
                        .get("summary")
                        .toString())
                .contains("xfail=6", "failed=0");
        String junit = Files.readString(dir.resolve("junit.xml"));
        assertThat(junit).contains("failures=\"0\"", "skipped=\"6\"");
        assertThat(junit.split("expected to fail \\(old knows no 7\\.x \\(issue #7\\)\\)", -1))
                .hasSize(7);
        String compat = Files.readString(dir.resolve("out/compat.md"));
        assertThat(compat)
                .containsPattern("\\| lines-bullseye-5\\.10\\.0-\\d+ \\| 5\\.10\\.\\d+ \\| built \\| built \\|")
                .containsPattern("- x86_64-gcc: newest that works: lines-bookworm-backports-\\S+ \\(6\\.12\\.\\d+\\); "
                        // The oldest 7.x line, whichever suite serves it as the archive moves on.
                        + "first that fails: (lines-(?:sid|experimental|trixie-backports)-\\S+) \\([7-9]\\.\\d+[^)]*\\): "
                        + "`old\\.c:4:\\d+: error: #error \"old knows no 7\\.x\"` "
                        + "\\(\\[log\\]\\(\\1/x86_64-gcc/old/build\\.log\\)\\)");
        assertThat(Files.readString(dir.resolve("out/compat.html"))).doesNotContain("http://", "https://", "<script");
        shownByABrowser(dir.resolve("out/compat.html"));
        var results = ItSupport.cells(dir.resolve("out"));
        for (var e : results.entrySet()) {
            if (e.getKey().startsWith("old/")) {
                continue; // its report is checked above
            }
            assertThat(e.getValue())
                    .as(e.getKey())
                    .containsEntry("status", "built")
                    .containsEntry("symbols", "checked");
            // The module's compiler (its .comment) is the kernel's own (CONFIG_CC_VERSION_TEXT), both recorded.
            Map<String, Object> meta = ItSupport.json(dir.resolve("out")
                    .resolve((String) e.getValue().get("outDir"))
                    .resolve("metadata.json"));
            String kernelCc = (String) meta.get("kernelCompiler");
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> modules = (Map<String, Map<String, Object>>) meta.get("modules");
            String moduleCc = (String) modules.get("a.ko").get("compiler");
            assertThat(moduleCc.substring(moduleCc.lastIndexOf(')') + 1))
                    .as(e.getKey() + ": " + moduleCc + " against " + kernelCc)
                    .isEqualTo(kernelCc.substring(kernelCc.lastIndexOf(')') + 1));
        }
        try (Stream<Path> s = Files.list(ItSupport.itCache().resolve("roots"))) {
            assertThat(s.map(p -> p.getFileName().toString()))
                    .contains("debian-bullseye-bullseye", "debian-trixie-trixie", "debian-sid-sid");
        }

        assertThat(hostApt())
                .as("/etc/apt and dpkg's database are the host's, unchanged")
                .isEqualTo(before);
    }

    /**
     * kforge test on every line: each suite's own kernel boots under QEMU with its release's busybox
     * (trixie's for trixie-backports, sid's for experimental), on x86_64 and arm64, and trixie's on
     * riscv64 (a port bookworm lacks). The driver needs crc_itu_t, a module of the kernel's own: from
     * 5.10's and 6.1's image package, 6.12's .ko.xz, and 7.x's linux-modules beside its
     * linux-binary-unsigned image; each is loaded first.
     */
    @Test
    void everyLinesOwnKernelBootsWithItsReleasesGuestAndLoadsTheKernelsOwnModuleFirst() throws Exception {
        new TestWorkspace(dir)
                .write("drivers/crc/Kbuild", "obj-m += crc.o\n")
                .write("drivers/crc/crc.c", QemuIT.CRC + "/* " + dir + " */\n")
                .manifest("""
                        [[kernel]]
                        name = "lines"
                        debian = "latest"
                        suites = ["bullseye", "bookworm-backports", "trixie", "trixie-backports", "sid", "experimental"]
                        [[kernel]]
                        name = "rv"
                        debian = "latest"
                        suites = ["trixie"]
                        [[driver]]
                        name = "crc"
                        path = "drivers/crc"
                        [[matrix]]
                        kernels = ["lines"]
                        arches = ["x86_64", "arm64"]
                        [[matrix]]
                        kernels = ["rv"]
                        arches = ["riscv64"]
                        """);
        ItSupport.Run test = kforge(dir, "test", "--junit", "junit.xml");
        assertThat(test.code()).as(test.out() + test.err()).isZero();
        assertThat(test.out()).contains("13 cells: 13 built, ", "; 13 tests: 13 passed, 0 failed -> ");
        var results = ItSupport.cells(dir.resolve("out"));
        assertThat(results).hasSize(13);
        for (var e : results.entrySet()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> t = (Map<String, Object>) e.getValue().get("test");
            assertThat(t).as(e.getKey()).containsEntry("status", "passed");
            String cell = e.getKey().substring("crc/".length());
            String log = Files.readString(dir.resolve("out").resolve(cell).resolve("crc/test.log"));
            assertThat(log.indexOf("KFORGE-INSMOD crc_itu_t 0"))
                    .as(e.getKey() + ": the kernel's own crc_itu_t is loaded first\n" + log)
                    .isPositive()
                    .isLessThan(log.indexOf("KFORGE-INSMOD crc 0"));
            assertThat(log).containsPattern("kforge-crc: [0-9a-f]{4}");
        }
        assertThat(results).containsKey("crc/" + cellOf(results, "rv-trixie-", "riscv64"));
        // Each boots its own kernel: 7.x from linux-binary-unsigned with linux-modules (compressed modules),
        // riscv64 with trixie's busybox, trixie-backports' guest with trixie's.
        Path debian = ItSupport.itCache().resolve("debian");
        try (Stream<Path> s = Files.list(debian)) {
            List<String> unpacked = s.map(p -> p.getFileName().toString()).toList();
            assertThat(unpacked)
                    .anyMatch(n -> n.matches(
                            "linux-binary-unsigned-\\d+\\.\\d+(\\.\\d+)?\\+deb13-amd64_amd64_trixie-backports"))
                    .anyMatch(n -> n.matches("linux-image-5\\.10\\.0-\\d+-arm64-unsigned_arm64_bullseye"))
                    .contains(
                            "busybox-static_riscv64_trixie", "busybox-static_amd64_sid", "busybox-static_arm64_trixie");
            Path binary = debian.resolve(unpacked.stream()
                    .filter(n -> n.matches("linux-binary-unsigned-.*-amd64_amd64_trixie-backports"))
                    .findFirst()
                    .orElseThrow());
            try (Stream<Path> w = Files.walk(binary.resolve("usr/lib/modules"))) {
                assertThat(w.map(p -> p.getFileName().toString())).contains("vmlinuz.unsigned", "crc-itu-t.ko.xz");
            }
        }
    }

    private static String cellOf(Map<String, Map<String, Object>> results, String kernelPrefix, String arch) {
        return results.keySet().stream()
                .map(k -> k.substring("crc/".length()))
                .filter(c -> c.startsWith(kernelPrefix) && c.endsWith("/" + arch + "-gcc"))
                .findFirst()
                .orElseThrow(
                        () -> new AssertionError("no " + kernelPrefix + "* " + arch + " cell in " + results.keySet()));
    }

    /**
     * A mirror that serves a tampered Release file, or index files that do not match it: apt refuses
     * them (the Release file is checked against Debian's archive keyring), so kforge stops with an
     * environment error (exit 3) naming the suite, and keeps no unverified list.
     */
    @Test
    void aTamperedReleaseFileOrIndexIsRefusedNamingTheSuite() throws Exception {
        String mirror = hostMirror();
        byte[] release = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(mirror + "/dists/bullseye/InRelease"))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray())
                .body();
        String text = new String(release, StandardCharsets.UTF_8);
        assertThat(text).contains("Codename: bullseye");
        for (boolean tamperRelease : List.of(true, false)) {
            byte[] served = tamperRelease
                    ? text.replace("Codename: bullseye", "Codename: bullseyX").getBytes(StandardCharsets.UTF_8)
                    : release;
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/debian/", exchange -> {
                String path = exchange.getRequestURI().getPath();
                try (exchange) {
                    if (path.endsWith("/dists/bullseye/InRelease")) {
                        exchange.sendResponseHeaders(200, served.length);
                        exchange.getResponseBody().write(served);
                    } else if (path.contains("/binary-")) {
                        byte[] garbage = "not the index the Release file names\n".getBytes(StandardCharsets.UTF_8);
                        exchange.sendResponseHeaders(200, garbage.length);
                        exchange.getResponseBody().write(garbage);
                    } else {
                        exchange.sendResponseHeaders(404, -1);
                    }
                }
            });
            server.start();
            try {
                Path cache = dir.resolve("tampered-" + tamperRelease);
                ItSupport.Run run = ItSupport.kforgeWithEnv(
                        dir,
                        Map.of(
                                "KFORGE_CACHE_DIR",
                                cache.toString(),
                                "KFORGE_DEBIAN_MIRROR",
                                "http://127.0.0.1:" + server.getAddress().getPort() + "/debian"),
                        "kernels",
                        "--suite",
                        "bullseye",
                        "--arch",
                        "x86_64");
                assertThat(run.code()).as(run.out() + run.err()).isEqualTo(3);
                assertThat(run.err()).contains("Debian bullseye: apt-get update failed");
                assertThat(run.out()).doesNotContainPattern("bullseye +5\\.10");
                Path lists = cache.resolve("debian/suites/bullseye/state/lists");
                if (Files.isDirectory(lists)) {
                    try (Stream<Path> s = Files.list(lists)) {
                        assertThat(s.map(p -> p.getFileName().toString()))
                                .as("no unverified Release or index is kept")
                                .noneMatch(n -> n.endsWith("_InRelease") && tamperRelease)
                                .noneMatch(n -> n.contains("_Packages"));
                    }
                }
            } finally {
                server.stop(0);
            }
        }
    }

    /** The Debian mirror this machine's apt uses (as kforge reads it). */
    static String hostMirror() throws Exception {
        for (Path f : List.of(Path.of("/etc/apt/sources.list.d/debian.sources"), Path.of("/etc/apt/sources.list"))) {
            if (!Files.isRegularFile(f)) {
                continue;
            }
            for (String line : Files.readAllLines(f)) {
                String l = line.strip();
                String uri = l.startsWith("URIs:")
                        ? l.substring(5).strip().split("\\s+")[0]
                        : l.startsWith("deb ") ? l.split("\\s+")[1] : null;
                if (uri != null && uri.replaceAll("/+$", "").endsWith("/debian")) {
                    return uri.replaceAll("/+$", "");
                }
            }
        }
        throw new IllegalStateException("no Debian mirror in /etc/apt");
    }

    /**
     * compat.html opened in Debian's chromium, headless: the rendered page has every line's row, and
     * its screenshot shows the built cells green and the expected failures amber.
     */
    static void shownByABrowser(Path html) throws Exception {
        Path shot = html.resolveSibling("compat.png");
        List<String> base =
                List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1400,1400");
        Process dump = new ProcessBuilder(
                        concat(base, "--dump-dom", html.toUri().toString()))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String dom = new String(dump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(dump.waitFor()).isZero();
        assertThat(dom)
                .contains("<h2>old</h2>", "<h2>a</h2>")
                .containsPattern("<td>lines-sid-[^<]+</td><td>7\\.\\d+\\.\\d+</td><td class=\"m\"[^>]*>xfail</td>");
        Process png = new ProcessBuilder(
                        concat(base, "--screenshot=" + shot, html.toUri().toString()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertThat(png.waitFor()).isZero();
        BufferedImage image = ImageIO.read(shot.toFile());
        boolean green = false;
        boolean amber = false;
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                green |= rgb == 0x2da44e;
                amber |= rgb == 0xbf8700;
            }
        }
        assertThat(green).as("built cells are shown green").isTrue();
        assertThat(amber).as("expected failures are shown amber").isTrue();
    }

    static List<String> concat(List<String> a, String... more) {
        List<String> out = new ArrayList<>(a);
        out.addAll(List.of(more));
        return out;
    }
}
