package dev.kforge.cli;

import static dev.kforge.cli.ItSupport.kforge;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kforge package against the real thing: the examples' kf_core and kf_user (which needs kf_core's
 * symbols) for Debian's newest bookworm kernel on x86_64 and arm64, signed, tested under QEMU, then
 * packaged. Debian's lintian judges the .deb files; dpkg installs them into a root beside that
 * kernel's module index, their postinst runs the real depmod, and busybox's modprobe loads kf_user
 * (kf_core first, as depmod resolved it) in Debian's own kernel under QEMU. skopeo inspects and
 * copies the kmod images, umoci unpacks them. Debian's dkms adds, builds and installs the DKMS packages against
 * the headers kforge fetched, and modprobe loads what it built. A second, uncached run writes the same bytes.
 */
class PackageIT {

    @TempDir
    static Path dir;

    static Path ws;

    static ItSupport.Run first;

    static final List<String> ARCHES = List.of("x86_64", "arm64");

    @BeforeAll
    static void packageEverything() throws IOException {
        ws = dir.resolve("ws");
        Path keys = ItSupport.keptKeys("package-it", "kforge package IT");
        Path examples = ItSupport.repo().resolve("examples/drivers");
        TestWorkspace w = new TestWorkspace(ws);
        for (String d : List.of("kf_core", "kf_user")) {
            try (Stream<Path> files = Files.walk(examples.resolve(d))) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    String rel = examples.relativize(f).toString();
                    if (!rel.contains("/kfctl/") && !rel.contains("/target/")) {
                        w.write("drivers/" + rel, Files.readString(f));
                    }
                }
            }
        }
        Files.createDirectories(ws.resolve("keys"));
        for (String f : List.of("module.key", "module.crt")) {
            Files.copy(keys.resolve(f), ws.resolve("keys").resolve(f));
        }
        w.manifest("""
                [signing]
                key = "keys/module.key"
                cert = "keys/module.crt"

                [package]
                maintainer = "kforge integration tests <kforge@example.org>"
                version = "1.2.0"
                formats = ["deb", "oci", "dkms"]

                [[kernel]]
                name = "bookworm"
                debian = "latest"

                [[driver]]
                name = "kf_core"
                path = "drivers/kf_core"

                [[driver]]
                name = "kf_user"
                path = "drivers/kf_user"
                depends = ["kf_core"]

                [[matrix]]
                kernels = ["bookworm"]
                arches = ["x86_64", "arm64"]
                """);
        first = kforge(ws, "package", "--test", "--junit", "junit.xml");
    }

    @Test
    void everyCellIsBuiltSignedTestedAndPackagedAndEveryReportSaysSo() throws Exception {
        assertThat(first.code()).as(first.out() + first.err()).isZero();
        assertThat(first.out())
                .contains("4 cells: ")
                .contains("; 4 tests: ")
                .contains("; 10 packages: ")
                .contains(" 0 failed");
        Map<String, Object> results = ItSupport.json(ws.resolve("out/kforge-results.json"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> packages = (List<Map<String, Object>>) results.get("packages");
        assertThat(packages)
                .hasSize(10)
                .allSatisfy(p -> assertThat(p.get("status")).isIn("written", "cached"));
        String sums = Files.readString(ws.resolve("out/SHA256SUMS"));
        for (Path deb : debs()) {
            String rel = ws.resolve("out").relativize(deb).toString();
            assertThat(sums).contains(sha256(deb) + "  " + rel + "\n");
        }
        assertThat(Files.readString(ws.resolve("junit.xml")))
                .contains("classname=\"kf_user.package-deb\"")
                .contains("classname=\"kf_core.package-oci\"")
                .contains("classname=\"kf_user.package-dkms\" name=\"source\"");
    }

    @Test
    void lintianFindsNoErrorAndThePackagesNameTheirKernelAndHoldSignedModulesOnly() throws Exception {
        List<Path> debs = debs();
        assertThat(debs).hasSize(4);
        List<String> argv = new ArrayList<>(List.of("lintian", "--no-cfg", "--allow-root"));
        debs.forEach(d -> argv.add(d.toString()));
        String lintian = run(dir, argv);
        assertThat(lintian.lines().filter(l -> l.startsWith("E: ")).toList())
                .as(lintian)
                .isEmpty();
        for (Path deb : debs) {
            String release = release(deb);
            String info = run(dir, List.of("dpkg-deb", "--field", deb.toString()));
            String debArch = deb.toString().contains("/arm64-gcc/") ? "arm64" : "amd64";
            assertThat(info)
                    .contains("Architecture: " + debArch)
                    .contains("Depends: linux-image-" + release + " | linux-image-" + release + "-unsigned");
            Path x = Files.createTempDirectory(dir, "deb");
            run(dir, List.of("dpkg-deb", "-x", deb.toString(), x.toString()));
            try (Stream<Path> files = Files.walk(x)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1))
                            .as(f.toString())
                            .doesNotContain("PRIVATE KEY");
                    if (f.toString().endsWith(".ko")) {
                        assertThat(f.toString()).contains("/lib/modules/" + release + "/updates/");
                        assertThat(run(dir, List.of("modinfo", "-F", "signer", f.toString())))
                                .contains("kforge package IT");
                    }
                }
            }
        }
    }

    @Test
    void installedWithDpkgTheDriverLoadsWithModprobeInItsKernelUnderQemu() throws Exception {
        for (String arch : ARCHES) {
            Path core = deb(arch, "kf_core");
            Path user = deb(arch, "kf_user");
            String release = release(user);
            // The kernel and the guest's busybox kforge booted for this cell's test.
            String explain = kforge(ws, "explain", "--test", "--only-cell", "kf_user/bookworm/" + arch + "-gcc")
                    .out();
            List<String> qemu = qemuLine(explain);
            Path kernelModules = Path.of(explained(explain, "kernel modules")).resolve(release);
            assertThat(kernelModules.resolve("modules.order")).isRegularFile();

            // A Debian root holding that kernel's module index, into which dpkg installs both packages;
            // their postinst runs depmod (the real one) for that release.
            Path root = rootWithModuleIndex("root-" + arch, kernelModules, release);
            Path modules = root.resolve("lib/modules/" + release);
            Files.createDirectories(root.resolve("var/lib/dpkg/info"));
            Files.createDirectories(root.resolve("var/lib/dpkg/updates"));
            Files.writeString(root.resolve("var/lib/dpkg/status"), "");
            run(
                    dir,
                    List.of(
                            "dpkg",
                            "--root=" + root,
                            "--force-script-chrootless",
                            "--force-depends",
                            "--force-architecture",
                            "-i",
                            core.toString(),
                            user.toString()));
            assertThat(Files.readString(modules.resolve("modules.dep")))
                    .contains("updates/kf_user/kf_user.ko: updates/kf_core/kf_core.ko");

            String loaded = modprobeInGuest(arch, explain, qemu, root);
            assertThat(loaded).contains("kf_user ").contains("kf_core ");
        }
    }

    /**
     * The DKMS packages as a machine whose kernel nobody built for would take them: Debian's dkms loads kf_core's
     * tarball (dkms ldtarball) and adds kf_user's extracted tree (dkms add), builds both against the headers kforge
     * fetched (kf_user with kf_core's symbols, from the sources it carries) and installs them into a root holding
     * that kernel's module index; depmod resolves kf_user's need of kf_core and modprobe loads both in Debian's
     * kernel under QEMU. A kernel older than any the cells worked on is refused by BUILD_EXCLUSIVE_KERNEL.
     */
    @Test
    void dkmsAddsBuildsAndInstallsTheSourcePackagesAgainstFetchedHeadersAndModprobeLoadsThem() throws Exception {
        String arch = "x86_64"; // DKMS builds on the machine it installs on: this host's architecture
        String release = release(deb(arch, "kf_user"));
        String build = kforge(ws, "explain", "--only-cell", "kf_core/bookworm/" + arch + "-gcc")
                .out();
        Matcher make = Pattern.compile("make -C '?([^' ]+)'? ").matcher(build);
        assertThat(make.find()).as(build).isTrue();
        Path headers = Path.of(make.group(1));
        assertThat(headers.resolve(".config")).isRegularFile();
        String explain = kforge(ws, "explain", "--test", "--only-cell", "kf_user/bookworm/" + arch + "-gcc")
                .out();
        Path kernelModules = Path.of(explained(explain, "kernel modules")).resolve(release);
        Path root = rootWithModuleIndex("dkms-root", kernelModules, release);
        List<String> trees = List.of(
                "--sourcetree", Files.createDirectories(root.resolve("usr/src")).toString(),
                "--dkmstree",
                        Files.createDirectories(root.resolve("var/lib/dkms")).toString(),
                "--installtree", root.resolve("lib/modules").toString());
        Path core = ws.resolve("out/packages/dkms/kf_core/kf_core-1.2.0-dkms.tar.gz");
        Path user = ws.resolve("out/packages/dkms/kf_user/kf_user-1.2.0-dkms.tar.gz");
        run(dir, concat(List.of("dkms", "ldtarball"), trees, List.of(core.toString())));
        Path userTree = Files.createDirectories(root.resolve("usr/src/kf_user-1.2.0"));
        run(dir, List.of("tar", "-xzf", user.toString(), "--strip-components=1", "-C", userTree.toString()));
        run(dir, concat(List.of("dkms", "add"), trees, List.of("-m", "kf_user", "-v", "1.2.0")));
        for (String module : List.of("kf_core", "kf_user")) {
            List<String> which =
                    List.of("-m", module, "-v", "1.2.0", "-k", release, "--kernelsourcedir", headers.toString());
            run(dir, concat(List.of("dkms", "build"), trees, which));
            run(dir, concat(List.of("dkms", "install", "--no-depmod"), trees, which));
        }
        Path installed = root.resolve("lib/modules/" + release + "/updates/dkms");
        assertThat(installed.resolve("kf_core.ko")).isRegularFile();
        assertThat(installed.resolve("kf_user.ko")).isRegularFile();
        assertThat(run(
                        dir,
                        List.of(
                                "modinfo",
                                "-F",
                                "vermagic",
                                installed.resolve("kf_user.ko").toString())))
                .startsWith(release + " ");
        run(dir, List.of("depmod", "-b", root.toString(), release));
        assertThat(Files.readString(root.resolve("lib/modules/" + release + "/modules.dep")))
                .contains("updates/dkms/kf_user.ko: updates/dkms/kf_core.ko");

        String loaded = modprobeInGuest(arch, explain, qemuLine(explain), root);
        assertThat(loaded).contains("kf_user ").contains("kf_core ");

        // A kernel below the range the cells found working: dkms refuses it (exit 77, BUILD_EXCLUSIVE).
        Process old = new ProcessBuilder(concat(
                        List.of("dkms", "build"),
                        trees,
                        List.of(
                                "-m",
                                "kf_core",
                                "-v",
                                "1.2.0",
                                "-k",
                                "5.4.0-1-amd64",
                                "--kernelsourcedir",
                                headers.toString())))
                .redirectErrorStream(true)
                .start();
        String refused = new String(old.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(old.waitFor()).as(refused).isEqualTo(77);
        assertThat(refused).contains("BUILD_EXCLUSIVE");
    }

    static List<String> concat(List<String> a, List<String> b, List<String> c) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        out.addAll(c);
        return out;
    }

    @Test
    void skopeoInspectsAndCopiesTheKmodImagesAndUmociUnpacksThemInKmmsLayout() throws Exception {
        for (String arch : ARCHES) {
            Path layout = ws.resolve("out/packages/oci/bookworm/" + arch + "-gcc/kf_user");
            String release = release(deb(arch, "kf_user"));
            String raw = run(dir, List.of("skopeo", "inspect", "--raw", "oci:" + layout));
            assertThat(raw)
                    .contains("\"dev.kforge.kernel.release\":\"" + release + "\"")
                    .contains("\"org.opencontainers.image.version\":\"1.2.0\"")
                    .contains("\"dev.kforge.arch\":\"" + arch + "\"");
            String inspect = run(dir, List.of("skopeo", "inspect", "oci:" + layout));
            assertThat(inspect).contains("\"Architecture\": \"" + (arch.equals("x86_64") ? "amd64" : "arm64") + "\"");
            Path copy = dir.resolve("copy-" + arch);
            run(dir, List.of("skopeo", "copy", "oci:" + layout, "oci:" + copy + ":" + release));
            Path bundle = dir.resolve("bundle-" + arch);
            run(dir, List.of("umoci", "unpack", "--rootless", "--image", copy + ":" + release, bundle.toString()));
            Path modules = bundle.resolve("rootfs/opt/lib/modules/" + release);
            assertThat(modules.resolve("kf_user.ko")).isRegularFile();
            assertThat(modules.resolve("kf_core.ko")).isRegularFile();
            assertThat(modules.resolve("modules.dep.bin")).isRegularFile();
            assertThat(Files.readString(modules.resolve("modules.dep"))).contains("kf_user.ko: kf_core.ko");
        }
    }

    @Test
    void anUncachedRunWithoutTestsWritesTheSameBytes() throws Exception {
        Map<String, String> before = new HashMap<>();
        for (Path f : packageFiles()) {
            before.put(ws.relativize(f).toString(), sha256(f));
        }
        ItSupport.Run again = kforge(ws, "package", "--no-cache");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.out()).contains("10 packages: 10 written, 0 failed");
        Map<String, String> after = new HashMap<>();
        for (Path f : packageFiles()) {
            after.put(ws.relativize(f).toString(), sha256(f));
        }
        assertThat(after).isEqualTo(before);
        // kforge verify makes every package twice more, uncached, in two directories, and compares each file.
        ItSupport.Run verify = kforge(ws, "verify");
        assertThat(verify.code()).as(verify.out() + verify.err()).isZero();
        assertThat(verify.out())
                .contains("4 module(s) checked, 0 not reproducible")
                .contains("26 package file(s) checked, 0 not reproducible")
                .containsPattern("package-dkms/kf_user +reproducible +packages/dkms/kf_user/kf_user-1.2.0-dkms.tar.gz");
    }

    /**
     * Boots the cell's kernel under QEMU with busybox from kforge's initramfs and {@code root}'s /lib (the kernel's
     * module index plus what was installed), runs {@code modprobe kf_user} and returns /proc/modules after it.
     */
    static String modprobeInGuest(String arch, String explain, List<String> qemu, Path root) throws Exception {
        Path guest = Files.createTempDirectory(dir, "guest-" + arch);
        Files.createDirectories(guest.resolve("bin"));
        Files.copy(Path.of(explained(explain, "guest busybox")), guest.resolve("bin/busybox"));
        run(guest, List.of("chmod", "755", "bin/busybox"));
        run(dir, List.of("cp", "-a", root.resolve("lib").toString(), guest.toString()));
        for (String d : List.of("dev", "proc", "sys")) {
            Files.createDirectories(guest.resolve(d));
        }
        run(guest, List.of("mknod", "dev/console", "c", "5", "1"));
        Files.writeString(guest.resolve("init"), """
                #!/bin/busybox sh
                /bin/busybox mount -t proc proc /proc
                /bin/busybox mount -t sysfs sysfs /sys
                /bin/busybox modprobe kf_user
                echo "KFORGE-MODPROBE rc=$?"
                /bin/busybox cat /proc/modules
                echo "KFORGE-MODPROBE end"
                /bin/busybox reboot -f
                """);
        run(guest, List.of("chmod", "755", "init"));
        Path cpio = Files.createTempFile(dir, "modprobe-" + arch, ".cpio.gz");
        run(guest, List.of("sh", "-c", "find . | cpio -o -H newc --quiet | gzip > " + cpio));
        List<String> boot = new ArrayList<>(qemu);
        boot.set(boot.indexOf("-initrd") + 1, cpio.toString());
        String console = runWithTimeout(dir, boot, 300);
        assertThat(console).as(console).contains("KFORGE-MODPROBE rc=0");
        return console.substring(console.indexOf("KFORGE-MODPROBE rc=0"), console.indexOf("KFORGE-MODPROBE end"));
    }

    /** A Debian root holding a kernel's module index (from the kernel's own modules directory), as installed. */
    static Path rootWithModuleIndex(String name, Path kernelModules, String release) throws IOException {
        Path root = dir.resolve(name);
        Path modules = Files.createDirectories(root.resolve("lib/modules/" + release));
        for (String f : List.of("modules.order", "modules.builtin", "modules.builtin.modinfo")) {
            Files.copy(kernelModules.resolve(f), modules.resolve(f));
        }
        return root;
    }

    static List<Path> debs() throws IOException {
        try (Stream<Path> s = Files.walk(ws.resolve("out/packages/deb"))) {
            return s.filter(p -> p.toString().endsWith(".deb")).sorted().toList();
        }
    }

    static List<Path> packageFiles() throws IOException {
        try (Stream<Path> s = Files.walk(ws.resolve("out/packages"))) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    static Path deb(String arch, String driver) throws IOException {
        try (Stream<Path> s = Files.list(ws.resolve("out/packages/deb/bookworm/" + arch + "-gcc/" + driver))) {
            return s.filter(p -> p.toString().endsWith(".deb")).findFirst().orElseThrow();
        }
    }

    /** The kernel release a package was built for: its modules' directory. */
    static String release(Path deb) throws Exception {
        Matcher m = Pattern.compile("lib/modules/([^/]+)/updates/")
                .matcher(run(dir, List.of("dpkg-deb", "--contents", deb.toString())));
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    /** A path kforge explain prints for a test on a comment line ("# guest busybox: PATH"). */
    static String explained(String explain, String what) {
        return explain.lines()
                .filter(l -> l.startsWith("# " + what + ": "))
                .map(l -> l.substring(("# " + what + ": ").length()).replaceAll("^'(.*)'$", "$1"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("explain names no " + what + ":\n" + explain));
    }

    /** The QEMU command line kforge explain prints for a test. */
    static List<String> qemuLine(String explain) {
        String line = explain.lines()
                .filter(l -> l.startsWith("qemu-system-") || l.startsWith("'qemu-system-"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no QEMU line in:\n" + explain));
        List<String> argv = new ArrayList<>();
        Matcher m = Pattern.compile("'((?:[^']|'\\\\'')*)'|(\\S+)").matcher(line);
        while (m.find()) {
            argv.add(m.group(1) != null ? m.group(1).replace("'\\''", "'") : m.group(2));
        }
        return argv;
    }

    static String sha256(Path f) throws Exception {
        return run(dir, List.of("sha256sum", f.toString())).substring(0, 64);
    }

    static String run(Path cwd, List<String> argv) throws Exception {
        Process p = new ProcessBuilder(argv)
                .directory(cwd.toFile())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", argv) + "\n" + out).isZero();
        return out;
    }

    static String runWithTimeout(Path cwd, List<String> argv, long seconds) throws Exception {
        Path log = Files.createTempFile(dir, "console", ".log");
        Process p = new ProcessBuilder(argv)
                .directory(cwd.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
        }
        return Files.readString(log, StandardCharsets.ISO_8859_1);
    }
}
