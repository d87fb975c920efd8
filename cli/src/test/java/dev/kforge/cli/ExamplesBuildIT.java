package dev.kforge.cli;

import static dev.kforge.cli.ItSupport.cells;
import static dev.kforge.cli.ItSupport.elfMachine;
import static dev.kforge.cli.ItSupport.kforge;
import static dev.kforge.cli.ItSupport.vermagic;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.kbuild.KernelPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled examples built for real: Debian's headers, trees prepared from linux-source-6.1 for
 * four architectures with gcc and arm64 with LLVM, linux-source-6.12, and the Rust driver.
 */
class ExamplesBuildIT {

    @TempDir
    Path dir;

    static final Map<String, Integer> MACHINE = Map.of("x86_64", 62, "arm64", 183, "riscv64", 243, "armhf", 40);

    static final List<String> BUILT = List.of(
            "kf_core/debian/x86_64-gcc",
            "kf_user/debian/x86_64-gcc",
            "kf_core/bookworm/x86_64-gcc",
            "kf_user/bookworm/x86_64-gcc",
            "kf_core/bookworm/arm64-gcc",
            "kf_user/bookworm/arm64-gcc",
            "kf_core/bookworm/armhf-gcc",
            "kf_user/bookworm/armhf-gcc",
            "kf_core/v6.1-checked/x86_64-gcc",
            "kf_user/v6.1-checked/x86_64-gcc",
            "kf_core/v6.1/x86_64-gcc",
            "kf_user/v6.1/x86_64-gcc",
            "kf_core/v6.1/arm64-gcc",
            "kf_user/v6.1/arm64-gcc",
            "kf_core/v6.1/riscv64-gcc",
            "kf_user/v6.1/riscv64-gcc",
            "kf_core/v6.1/armhf-gcc",
            "kf_user/v6.1/armhf-gcc",
            "kf_core/v6.1/arm64-llvm",
            "kf_user/v6.1/arm64-llvm",
            "kf_core/v6.12/x86_64-gcc",
            "kf_user/v6.12/x86_64-gcc",
            "rust_hello/v6.1/x86_64-llvm",
            "rust_hello/v6.1-checked/x86_64-llvm",
            "rust_hello/v6.12-rust/x86_64-llvm",
            "rust_hello/v6.12-rust/arm64-llvm",
            "rust_hello/v6.12-rust/riscv64-llvm");

    @Test
    void buildsEveryCellOfTheExamplesAndReportsTheSkippedOnes() throws Exception {
        Path ws = ItSupport.copyExamples(dir.resolve("ws"));
        Path junit = dir.resolve("report.xml");
        // --no-cache: this test is about real builds, whatever earlier runs left in the step cache.
        ItSupport.Run run = kforge(ws, "build", "--no-cache", "--junit", junit.toString());
        assertThat(run.code()).as(run.err() + run.out()).isZero();
        assertThat(run.out())
                .containsPattern(
                        "41 cells: 33 built, 0 cached, 0 failed, 8 skipped; "
                                + "14 companions: 11 built, 0 failed, 3 skipped; 19 trees: (19 built|19 cached|\\d+ built, \\d+ cached), 0 failed -> ");
        // Trees without Module.symvers: one line for the run, none of modpost's per-cell symbol noise.
        assertThat(run.err())
                .containsOnlyOnce("note: kernel symbols unchecked on 7 tree(s) without Module.symvers "
                        + "(v6.1/arm64-gcc, v6.1/arm64-llvm, v6.1/armhf-gcc, v6.1/riscv64-gcc, v6.1/x86_64-gcc, v6.1/x86_64-llvm, "
                        + "v6.12/x86_64-gcc)");
        assertThat(run.err())
                .doesNotContain("unresolved symbol")
                .doesNotContain("Module.symvers is missing")
                .doesNotContain("undefined!");
        assertThat(run.out()).contains("v6.1/arm64-gcc/kf_core (symbols: unchecked)");

        Path out = ws.resolve("out");
        var cells = cells(out);
        for (String id : BUILT) {
            assertThat(cells.get(id)).as(id).containsEntry("status", "built");
            String[] p = id.split("/");
            Path cellDir = out.resolve(p[1]).resolve(p[2]).resolve(p[0]);
            Path ko = cellDir.resolve(p[0] + ".ko");
            assertThat(ko).isRegularFile();
            assertThat(elfMachine(ko)).as(id).isEqualTo(MACHINE.get(p[2].substring(0, p[2].indexOf('-'))));
            Map<String, Object> meta = ItSupport.json(cellDir.resolve("metadata.json"));
            String release = (String) meta.get("release");
            assertThat(vermagic(ko)).as(id).startsWith(release + " ");
            assertThat(cellDir.resolve("build.log")).isRegularFile();
            boolean distro = p[1].equals("debian")
                    || p[1].equals("bookworm")
                    || p[1].equals("v6.1-checked")
                    || p[1].equals("v6.12-rust");
            assertThat(cells.get(id)).as(id).containsEntry("symbols", distro ? "checked" : "unchecked");
            assertThat(meta).as(id).containsEntry("symbols", distro ? "checked" : "unchecked");
            // Every module is signed with the examples' key, as the kernel's own modinfo reads it.
            assertThat(modinfo("signer", ko)).as(id).isEqualTo("kforge integration tests");
            assertThat(cells.get(id)).as(id).containsEntry("signer", "kforge integration tests");
            assertThat(meta.get("signing").toString()).as(id).contains("certificateSha256=");
        }
        assertThat(Files.readString(out.resolve("provenance.json"))).contains("\"unsignedSha256\" : \"");
        // The headers tree's release is the one in utsrelease.h, not kernel.release.
        Path headers = KernelPaths.resolve("/usr/src/linux-headers-*-amd64", ws, "debian");
        assertThat(vermagic(out.resolve("debian/x86_64-gcc/kf_core/kf_core.ko")))
                .startsWith(ItSupport.utsRelease(headers) + " ");
        assertThat(vermagic(out.resolve("v6.1/arm64-gcc/kf_core/kf_core.ko"))).startsWith("6.1.");
        // Debian's kernels: vermagic is the release Debian ships, modversions on, and the package recorded.
        assertThat(vermagic(out.resolve("bookworm/arm64-gcc/kf_core/kf_core.ko")))
                .matches("6\\.1\\.0-\\d+-arm64 SMP mod_unload modversions aarch64");
        assertThat(vermagic(out.resolve("bookworm/armhf-gcc/kf_user/kf_user.ko")))
                .matches("6\\.1\\.0-\\d+-armmp SMP .*ARMv7.*");
        assertThat(ItSupport.json(out.resolve("bookworm/arm64-gcc/kf_core/metadata.json"))
                        .get("kernelPackages")
                        .toString())
                .containsPattern("package:linux-headers-6\\.1\\.0-\\d+-arm64:arm64=\\S+ sha256:[0-9a-f]{64}");
        assertThat(Files.readString(out.resolve("provenance.json")))
                .contains("kernel:bookworm+armhf")
                .contains("linux-headers-");
        assertThat(vermagic(out.resolve("v6.12/x86_64-gcc/kf_core/kf_core.ko"))).startsWith("6.12.");
        // The kernel line: bookworm-backports' newest kernel (its ABI matched by pattern: the archive moves on),
        // built on the host with its own compiler, every symbol checked against its Module.symvers.
        List<String> backports = cells.keySet().stream()
                .filter(id -> id.matches(
                        "kf_(core|user)/backports-bookworm-backports-\\d+\\.\\d+\\.\\d+\\+deb12/(x86_64|arm64)-gcc"))
                .toList();
        assertThat(backports).as(cells.keySet().toString()).hasSize(4);
        for (String id : backports) {
            assertThat(cells.get(id)).as(id).containsEntry("status", "built").containsEntry("symbols", "checked");
            String[] p = id.split("/");
            assertThat(vermagic(out.resolve(p[1]).resolve(p[2]).resolve(p[0]).resolve(p[0] + ".ko")))
                    .as(id)
                    .matches("\\d+\\.\\d+\\.\\d+\\+deb12-(amd64|arm64) SMP .*");
        }

        // Debian's own Rust-enabled kernel (trixie-backports' newest, matched by pattern): rust_hello built on the
        // Rust tree kforge prepared from Debian's linux-source, every symbol checked against Debian's Module.symvers,
        // vermagic Debian's, signed like every other module.
        List<String> rustDebian = cells.keySet().stream()
                .filter(id -> id.matches(
                        "rust_hello/rust-debian-trixie-backports-\\d+\\.\\d+(\\.\\d+)?\\+deb13/(x86_64|arm64)-gcc"))
                .toList();
        assertThat(rustDebian).as(cells.keySet().toString()).hasSize(2);
        for (String id : rustDebian) {
            assertThat(cells.get(id)).as(id).containsEntry("status", "built").containsEntry("symbols", "checked");
            String[] p = id.split("/");
            Path ko = out.resolve(p[1]).resolve(p[2]).resolve("rust_hello/rust_hello.ko");
            assertThat(vermagic(ko)).as(id).matches("\\d+\\.\\d+(\\.\\d+)?\\+deb13-(amd64|arm64) SMP preempt .*");
            assertThat(modinfo("signer", ko)).as(id).isEqualTo("kforge integration tests");
        }

        // kf_user links against kf_core's export: modpost warns about kernel symbols (no Module.symvers
        // after modules_prepare) but never about kf_core_checksum.
        for (String id : BUILT) {
            if (id.startsWith("kf_user/")) {
                assertThat(cells.get(id).get("diagnostics").toString()).as(id).doesNotContain("kf_core_checksum");
            }
        }
        assertThat(cells.get("kf_user/v6.1/arm64-gcc").get("diagnostics").toString())
                .contains("_printk");

        assertThat(cells.get("rust_hello/v6.1/arm64-llvm")).containsEntry("status", "skipped");
        assertThat((String) cells.get("rust_hello/v6.1/arm64-llvm").get("message"))
                .contains("HAVE_RUST");
        assertThat((String) cells.get("rust_hello/debian/x86_64-gcc").get("message"))
                .contains("CONFIG_RUST unset");
        assertThat((String) cells.get("kf_core/v6.1/armhf-llvm").get("message"))
                .startsWith("excluded by the matrix at kforge.toml:");

        // Cargo companions: the test crate ran, the tool crate is an aarch64 executable next to the arm64 module.
        @SuppressWarnings("unchecked")
        var companions = (List<Map<String, Object>>)
                ItSupport.json(out.resolve("kforge-results.json")).get("companions");
        assertThat(companions)
                .anySatisfy(c -> assertThat(c)
                        .containsEntry("step", "cargo-test/rust_hello/logic")
                        .containsEntry("status", "built")
                        .containsEntry("message", "2 passed, 0 failed"));
        assertThat(elfMachine(out.resolve("v6.1/arm64-gcc/kf_core/tools/kfctl/kfctl")))
                .isEqualTo(183);
        assertThat(elfMachine(out.resolve("v6.1/x86_64-gcc/kf_core/tools/kfctl/kfctl")))
                .isEqualTo(62);
        assertThat(companions)
                .anySatisfy(c -> assertThat(c)
                        .containsEntry("step", "cargo-tool/kf_core/kfctl/v6.1/armhf-gcc")
                        .containsEntry("status", "skipped")
                        .hasEntrySatisfying(
                                "message",
                                m -> assertThat((String) m).contains("apt-get install libstd-rust-dev:armhf")));
        Process ctl = new ProcessBuilder(
                        out.resolve("v6.1/x86_64-gcc/kf_core/tools/kfctl/kfctl").toString(), "kforge")
                .start();
        assertThat(new String(ctl.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .endsWith("  kforge\n");

        String xml = Files.readString(junit);
        assertThat(xml).contains("tests=\"74\" failures=\"0\" errors=\"0\" skipped=\"11\"");
        assertThat(xml)
                .contains("<testcase classname=\"kernel-tree\" name=\"prepare/v6.1/riscv64-gcc\"")
                .contains("<property name=\"symbols\" value=\"unchecked\"/>");
        assertThat(xml).contains("<testcase classname=\"kf_core\" name=\"v6.1/riscv64-gcc\"");
        assertThat(Files.readAllLines(out.resolve("SHA256SUMS")))
                .hasSize(33)
                .anyMatch(l -> l.endsWith("  v6.1/armhf-gcc/kf_user/kf_user.ko"));
        // User's sources were never built in place.
        try (var s = Files.walk(ws.resolve("drivers"))) {
            assertThat(s.filter(f -> f.toString().endsWith(".o") || f.toString().endsWith(".ko"))
                            .toList())
                    .isEmpty();
        }

        // Editor files for one target, from Kbuild's own generators.
        ItSupport.Run ide = kforge(ws, "ide", "--target", "v6.1/arm64-gcc");
        assertThat(ide.code()).as(ide.err()).isZero();
        String cc = Files.readString(ws.resolve("drivers/kf_core/compile_commands.json"));
        assertThat(cc)
                .contains("aarch64-linux-gnu-gcc")
                .contains(ws.resolve("drivers/kf_core/kf_core.c").toString())
                .doesNotContain(".kforge/build");
        // Debian's headers ship no gen_compile_commands.py: kforge reads Kbuild's .cmd files itself.
        ItSupport.Run ideDebian = kforge(ws, "ide", "--target", "bookworm/arm64-gcc");
        assertThat(ideDebian.code()).as(ideDebian.err()).isZero();
        assertThat(Files.readString(ws.resolve("drivers/kf_core/compile_commands.json")))
                .contains("aarch64-linux-gnu-gcc-12")
                .contains(ws.resolve("drivers/kf_core/kf_core.c").toString())
                .doesNotContain(".kforge/build")
                .doesNotContain(".mod.c");
        ItSupport.Run ideRust = kforge(ws, "ide", "--target", "v6.1/x86_64-llvm");
        assertThat(ideRust.code()).as(ideRust.err()).isZero();
        assertThat(Files.readString(ws.resolve("drivers/rust_hello/rust-project.json")))
                .contains(ws.resolve("drivers/rust_hello/rust_hello.rs").toString());

        // A second real build reuses every prepared tree: no tree-level make at all.
        ItSupport.Run again = kforge(ws, "build", "-q", "--no-cache");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(again.commands())
                .noneMatch(argv -> argv.contains("modules_prepare")
                        || argv.contains("olddefconfig")
                        || argv.contains("defconfig")
                        || argv.contains("multi_v7_defconfig"));
        @SuppressWarnings("unchecked")
        var prepares = (List<Map<String, Object>>)
                ItSupport.json(out.resolve("kforge-results.json")).get("prepares");
        assertThat(prepares).hasSize(19).allSatisfy(p -> assertThat(p).containsEntry("status", "cached"));
        assertThat(prepares).anySatisfy(p -> assertThat(p).containsEntry("step", "symvers/v6.1-checked/x86_64-gcc"));

        // kforge test: Debian's x86_64, arm64 and armhf kernels load kf_core, then kf_user (which calls
        // kf_core's export) and run its smoke script; the kforge-built Rust kernel loads rust_hello.
        ItSupport.Run test = kforge(ws, "test", "--junit", junit.toString());
        assertThat(test.code()).as(test.err() + test.out()).isZero();
        // The cells come from the cache the builds filled (kforge build and kforge test share them); the tests may be
        // cached from an earlier run of this suite (the IT cache is kept), so passed or cached, never failed.
        assertThat(test.out())
                .containsPattern("41 cells: 0 built, 33 cached, 0 failed, 8 skipped; 33 tests: "
                        + "(\\d+ passed, )?(\\d+ cached, )?0 failed, 16 skipped");
        long loaded = cells(out).values().stream()
                .map(c -> (Map<?, ?>) c.get("test"))
                .filter(Objects::nonNull)
                .filter(t -> t.get("status").equals("passed") || t.get("status").equals("cached"))
                .count();
        assertThat(loaded).isEqualTo(17);
        for (String arch : List.of("x86_64", "arm64", "armhf")) {
            String log = Files.readString(out.resolve("bookworm/" + arch + "-gcc/kf_user/test.log"));
            assertThat(log.indexOf("KFORGE-INSMOD kf_core 0"))
                    .as(arch)
                    .isPositive()
                    .isLessThan(log.indexOf("KFORGE-INSMOD kf_user 0"));
            assertThat(log)
                    .as(arch)
                    .contains("kf_user: checksum")
                    .contains("smoke: kf_user and kf_core are live")
                    .contains("KFORGE-SCRIPT 0");
        }
        // The kernel line's own image (6.12's compressed modules) loads kf_core, then kf_user, and runs the smoke
        // script.
        for (var e : cells(out).entrySet()) {
            if (e.getKey().startsWith("kf_user/backports-")) {
                assertThat(e.getValue().get("test").toString())
                        .as(e.getKey())
                        .containsPattern("status=(passed|cached)");
                String[] p = e.getKey().split("/");
                assertThat(Files.readString(out.resolve(p[1]).resolve(p[2]).resolve("kf_user/test.log")))
                        .as(e.getKey())
                        .contains("smoke: kf_user and kf_core are live")
                        .contains("KFORGE-SCRIPT 0");
            }
        }
        // Rust from source to loaded: 6.1 on the host's rustc, 6.12 on x86_64 and arm64 with the trixie root's.
        for (String cell : List.of("v6.1-checked/x86_64-llvm", "v6.12-rust/x86_64-llvm", "v6.12-rust/arm64-llvm")) {
            assertThat(Files.readString(out.resolve(cell + "/rust_hello/test.log")))
                    .as(cell)
                    .contains("rust_hello: init")
                    .contains("rust_hello: exit, numbers [42]");
        }
        // ... and into Debian's own Rust-enabled kernel, in its own image.
        for (var e : cells(out).entrySet()) {
            if (e.getKey().startsWith("rust_hello/rust-debian-")) {
                String[] p = e.getKey().split("/");
                assertThat(Files.readString(out.resolve(p[1]).resolve(p[2]).resolve("rust_hello/test.log")))
                        .as(e.getKey())
                        .containsPattern("KFORGE-BEGIN \\d+\\.\\d+(\\.\\d+)?\\+deb13-")
                        .contains("rust_hello: init", "rust_hello: exit, numbers [42]");
            }
        }
        assertThat(vermagic(out.resolve("v6.12-rust/riscv64-llvm/rust_hello/rust_hello.ko")))
                .startsWith("6.12.");
        var tested = cells(out);
        assertThat(tested.get("rust_hello/v6.12-rust/riscv64-llvm").get("test").toString())
                .contains("no busybox-static");
        assertThat(tested.get("kf_core/v6.1/arm64-gcc").get("test").toString())
                .contains("built without a kernel image; give it boot = true");
        assertThat(tested.get("kf_core/debian/x86_64-gcc").get("test").toString())
                .contains("has no kernel image to boot");
        assertThat(Files.readString(junit))
                .contains("<testcase classname=\"rust_hello.test\" name=\"v6.1-checked/x86_64-llvm\"");
    }

    /** A field of a module's .modinfo (and signature), as the kernel's modinfo prints it. */
    static String modinfo(String field, Path ko) throws Exception {
        Process p = new ProcessBuilder("modinfo", "-F", field, ko.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }
}
