package dev.kforge.cli;

import dev.kforge.core.KforgeException;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.exec.RootedRunner;
import dev.kforge.core.kernel.DistroKernels;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.RustSelection;
import dev.kforge.core.kernel.ToolchainRoots;
import dev.kforge.core.model.CargoCrate;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.Signing;
import dev.kforge.core.model.Target;
import dev.kforge.core.model.Workspace;
import dev.kforge.core.service.Selection;
import dev.kforge.core.service.Services;
import dev.kforge.kbuild.Doctor;
import dev.kforge.kbuild.KbuildKernelInspector;
import dev.kforge.kbuild.OpensslSigning;
import dev.kforge.rust.CrossLibc;
import dev.kforge.rust.RustToolchainProbe;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

@Command(
        name = "doctor",
        description = "Check the tools and kernels the manifest's targets need; name the package for each gap.")
final class DoctorCommand implements Callable<Integer> {

    @ParentCommand
    KforgeCommand root;

    @Mixin
    ManifestOption manifest;

    /** The [signing] key and certificate, checked as a build checks them (the key named by its place, never its path). */
    private int signing(PrintWriter out, Signing signing, Path wsRoot) {
        try {
            var key = signing.resolve(root.context.env(), wsRoot);
            var cert = new OpensslSigning(root.context.runner(), root.context.env())
                    .check(key, wsRoot.resolve(signing.cert()));
            out.printf(
                    "  ok    %-28s signer %s, certificate sha256 %s%n",
                    "key and certificate", cert.signer(), cert.sha256().substring(0, 16));
            return 0;
        } catch (KforgeException e) {
            out.printf("  FAIL  %-28s %s%n        fix: %s%n", "key and certificate", e.getMessage(), e.hint());
            return 1;
        }
    }

    /** What the sections of one doctor run learn and hand on: trees found, their facts, roots made. */
    private record Findings(
            Map<String, Optional<Path>> kernelDirs,
            Map<String, KernelFacts> facts,
            Map<String, ToolchainRoots.Facts> rootFacts) {
        Findings() {
            this(new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>());
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        Services service = root.services();
        // Kernel lines are looked at as the kernels they stand for now.
        Workspace ws = service.plans().expand(service.plans().load(manifest.path(root.context), manifest.display()));
        Path wsRoot = manifest.path(root.context).getParent();
        Doctor doctor = new Doctor(root.context.runner());
        PrintWriter out = root.out();
        int problems = 0;
        out.println("host");
        problems += print(out, doctor.host());

        if (ws.signing().isPresent()) {
            out.println("signing");
            problems += signing(out, ws.signing().get(), wsRoot);
        }
        Findings found = new Findings();
        List<Target> targets = Selection.targets(ws);
        problems += kernels(out, service, ws, wsRoot, targets, found);
        problems += roots(out, service, doctor, ws, found);
        problems += targets(out, doctor, ws, targets, found);
        problems += rust(out, service, ws, found);
        if (DistroRustDoctor.applies(ws)) {
            problems += DistroRustDoctor.print(
                    out, () -> service.plans().plan(manifest.path(root.context), manifest.display()));
        }
        problems += cargoTools(out, ws, targets);
        problems += packages(out, doctor, ws);
        out.println(problems == 0 ? "no problems found" : problems + " problem(s) found");
        out.flush();
        return problems == 0 ? 0 : KforgeException.Kind.ENVIRONMENT.exitCode();
    }

    private int kernels(
            PrintWriter out, Services service, Workspace ws, Path wsRoot, List<Target> targets, Findings found)
            throws InterruptedException {
        int problems = 0;
        KbuildKernelInspector inspector =
                new KbuildKernelInspector(service.cache(), root.context.runner(), Catalog.builtIn());
        out.println("kernels");
        var distributions = root.context.distributions(service.cache());
        for (KernelSource k : ws.kernels()) {
            found.kernelDirs().put(k.name(), Optional.empty());
            if (k.kind() == KernelSource.Kind.DISTRO) {
                problems += distroKernel(out, distributions.of(k), k, targets);
                continue;
            }
            try {
                boolean packaged = k.kind() == KernelSource.Kind.DISTRO_PACKAGE;
                String kind;
                KernelFacts f;
                Path dir;
                if (packaged) {
                    var tree = distributions.of(k).unpack(k, wsRoot);
                    kind = k.kindKey();
                    f = tree.facts();
                    dir = tree.dir();
                } else {
                    f = inspector.inspect(k, wsRoot);
                    kind = f.kind().name().toLowerCase(Locale.ROOT);
                    dir = inspector.sourceDir(k, wsRoot);
                }
                found.kernelDirs().put(k.name(), Optional.of(dir));
                found.facts().put(k.name(), f);
                out.printf(
                        "  ok    %-28s %s %s%s%n",
                        k.name(),
                        kind,
                        f.version(),
                        f.release().map(r -> " (vermagic " + r + ")").orElse(packaged ? " (vermagic ?)" : ""));
            } catch (KforgeException e) {
                problems++;
                out.printf("  FAIL  %-28s %s%n        fix: %s%n", k.name(), e.getMessage(), e.hint());
            }
        }
        return problems;
    }

    private int roots(PrintWriter out, Services service, Doctor doctor, Workspace ws, Findings found)
            throws InterruptedException {
        int problems = 0;
        var rootsAdapter = root.context.roots(service.cache());
        for (var r : ws.roots()) {
            out.println("toolchain root " + r.name() + " (Debian " + r.suite() + ")");
            List<Doctor.Check> checks = new ArrayList<>(List.of(doctor.program("bwrap", "bubblewrap")));
            var made = rootsAdapter.inspect(r);
            made.ifPresent(f -> found.rootFacts().put(r.name(), f));
            if (made.isEmpty()) {
                checks.add(doctor.program("debootstrap", "debootstrap"));
            }
            checks.add(new Doctor.Check(
                    "root " + rootsAdapter.dir(r),
                    true,
                    made.map(f -> f.packages().size() + " packages asked for, "
                                    + "identity " + f.identity().prefix(12)
                                    + (f.packages().containsKey("rustc")
                                            ? ", rustc " + f.packages().get("rustc")
                                            : ""))
                            .orElse(
                                    "not made yet: the first kforge plan or build makes it (debootstrap and apt-get, a few minutes, "
                                            + "as root)"),
                    ""));
            problems += print(out, checks);
        }
        return problems;
    }

    /** With [package]: the programs kforge package runs for each format the manifest names. */
    private static int packages(PrintWriter out, Doctor doctor, Workspace ws) throws InterruptedException {
        if (ws.packaging().pos().isEmpty()) {
            return 0;
        }
        out.println("packages (" + String.join(", ", ws.packaging().formats()) + ")");
        List<Doctor.Check> checks = new ArrayList<>();
        if (ws.packaging().formats().contains("deb")) {
            checks.add(doctor.program("dpkg-deb", "dpkg"));
        }
        if (ws.packaging().formats().contains("oci")) {
            checks.add(doctor.program("depmod", "kmod"));
            checks.add(doctor.program("skopeo", "skopeo"));
        }
        if (ws.packaging().formats().contains("dkms")) {
            checks.add(doctor.program("bash", "bash"));
            checks.add(doctor.program("tar", "tar"));
        }
        return print(out, checks);
    }

    /** One section per kernel and arch/toolchain pair: compilers, and QEMU where the kernel boots. */
    private static int targets(PrintWriter out, Doctor doctor, Workspace ws, List<Target> targets, Findings found)
            throws InterruptedException {
        int problems = 0;
        Map<String, Target> firstOfPair = new TreeMap<>();
        targets.forEach(t -> firstOfPair.putIfAbsent(t.kernel() + "/" + t.archToolchain(), t));
        for (Target t : firstOfPair.values()) {
            out.println("target " + t.id());
            var arch = Catalog.builtIn().requireArch(t.arch());
            List<Doctor.Check> checks = new ArrayList<>(doctor.target(
                    arch,
                    Catalog.builtIn().requireToolchain(t.toolchain()),
                    found.kernelDirs().getOrDefault(t.kernel(), Optional.empty())));
            if (ws.kernel(t.kernel()).map(KernelSource::bootable).orElse(false)
                    && arch.boot().isPresent()) {
                checks.add(doctor.qemu(arch));
            }
            problems += print(out, checks);
        }
        return problems;
    }

    /** For each kernel a Rust driver targets: the toolchain kforge would choose, or why none fits. */
    private int rust(PrintWriter out, Services service, Workspace ws, Findings found) throws InterruptedException {
        int problems = 0;
        for (String k : service.plans().planner().rustKernels(ws, found.facts())) {
            KernelFacts facts = found.facts().get(k);
            Optional<String> rootName = ws.kernel(k).flatMap(KernelSource::root);
            String heading = "rust for kernel " + k + " (" + facts.version() + ")"
                    + rootName.map(r -> " in toolchain root " + r).orElse("");
            out.println(heading);
            if (rootName.isPresent() && !found.rootFacts().containsKey(rootName.get())) {
                out.println("  --    chosen inside the root once it is made");
                continue;
            }
            Path src = found.kernelDirs().get(k).orElseThrow();
            RustSelection sel = rootName.isPresent()
                    ? inRoot(service, found.rootFacts().get(rootName.get()), src)
                            .select(facts, src)
                    : root.context
                            .rustToolchains(Optional.ofNullable(root.rustc), service.cache())
                            .select(facts, src);
            sel.chosen()
                    .ifPresentOrElse(
                            t -> {
                                t.notes().forEach(n -> out.println("  ok    " + n));
                                out.println("  ok    bindgen " + t.bindgen() + " (" + t.bindgenVersion()
                                        + "), rust-src " + t.rustLibSrc());
                            },
                            () -> out.println("  FAIL  no Rust toolchain fits\n        fix: " + sel.hint()));
            sel.candidates().forEach(c -> out.println("        " + c));
            if (sel.chosen().isEmpty()) {
                problems++;
            }
        }
        return problems;
    }

    private RustToolchainProbe inRoot(Services service, ToolchainRoots.Facts made, Path src) {
        return RustToolchainProbe.inRoot(
                new RootedRunner(
                        root.context.runner(),
                        made.dir(),
                        List.of(src, service.cache().root()),
                        false),
                made.dir());
    }

    /** A distribution kernel: for each architecture the matrix asks for, the tree is fetched (or found cached) and checked. */
    private static int distroKernel(PrintWriter out, DistroKernels distro, KernelSource k, List<Target> targets) {
        int problems = 0;
        for (String a : new TreeSet<>(targets.stream()
                .filter(t -> t.kernel().equals(k.name()))
                .map(Target::arch)
                .toList())) {
            var arch = Catalog.builtIn().requireArch(a);
            String label = k.name() + " " + a;
            Optional<String> missing = distro.unsupported(k, arch);
            if (missing.isPresent()) {
                out.printf("  %-5s %-28s %s%n", "skip", label, missing.get());
                continue;
            }
            try {
                var tree = distro.fetch(k, arch);
                out.printf(
                        "  ok    %-28s %s %s (vermagic %s), Module.symvers present%n",
                        label,
                        k.kindKey(),
                        tree.facts().version(),
                        tree.facts().release().orElse("?"));
            } catch (KforgeException e) {
                problems++;
                out.printf("  FAIL  %-28s %s%n        fix: %s%n", label, e.getMessage(), e.hint());
            }
        }
        return problems;
    }

    /**
     * For drivers with a cargo tool crate, each target architecture needs Rust's standard library
     * and a C library to link against (libc6-dev-ARCH-cross, which --no-install-recommends leaves out).
     */
    private static int cargoTools(PrintWriter out, Workspace ws, List<Target> targets) {
        boolean tools =
                ws.drivers().stream().anyMatch(d -> d.cargo().stream().anyMatch(c -> c.role() == CargoCrate.Role.TOOL));
        if (!tools) {
            return 0;
        }
        out.println("cargo tools");
        List<Doctor.Check> checks = new ArrayList<>();
        CrossLibc libc = CrossLibc.host(Catalog.builtIn());
        for (String key : new TreeSet<>(targets.stream().map(Target::arch).toList())) {
            var arch = Catalog.builtIn().requireArch(key);
            if (arch.rustTarget().isEmpty()) {
                continue;
            }
            String triple = arch.rustTarget().get();
            Path std = Path.of("/usr/lib/rustlib", triple, "lib");
            if (!Files.isDirectory(std)) {
                // Not a problem: the tool is skipped for this arch, with this reason, and nothing fails.
                out.printf(
                        "  %-5s %-28s %s%n        to build it: %s%n",
                        "skip",
                        "tools for " + key,
                        std + " missing",
                        "dpkg --add-architecture " + arch.debianArch() + " && apt-get update && apt-get install "
                                + "libstd-rust-dev:" + arch.debianArch() + " " + libc.packageFor(arch));
                continue;
            }
            checks.add(new Doctor.Check("Rust std for " + key, true, std.toString(), ""));
            List<String> missing = libc.missing(arch);
            checks.add(new Doctor.Check(
                    "C library for " + key,
                    missing.isEmpty(),
                    missing.isEmpty()
                            ? libc.libDir(arch).toString()
                            : String.join(", ", missing) + " missing in " + libc.libDir(arch),
                    missing.isEmpty() ? "" : "apt-get install " + libc.packageFor(arch)));
        }
        return print(out, checks);
    }

    private static int print(PrintWriter out, List<Doctor.Check> checks) {
        int problems = 0;
        for (Doctor.Check c : checks) {
            out.printf("  %-5s %-28s %s%n", c.ok() ? "ok" : "FAIL", c.subject(), c.detail());
            if (!c.ok()) {
                problems++;
                out.printf("        fix: %s%n", c.fix());
            }
        }
        return problems;
    }
}
