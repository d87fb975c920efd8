package dev.kforge.kbuild;

import dev.kforge.core.exec.ProcessResult;
import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.exec.ProcessSpec;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.Toolchain;
import dev.kforge.core.model.ToolchainFamily;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Checks what building against a kernel for a target needs, naming the Debian package that fixes each gap. */
public final class Doctor {

    /**
     * One finding.
     *
     * @param subject what was checked (make, aarch64-linux-gnu-gcc, gcc >= 5.1.0)
     * @param ok whether it is fine
     * @param detail what was found
     * @param fix the Debian package (or action) that fixes it; empty when ok
     */
    public record Check(String subject, boolean ok, String detail, String fix) {}

    private final ProcessRunner runner;

    public Doctor(ProcessRunner runner) {
        this.runner = runner;
    }

    /** Host tools that preparing any kernel tree needs. */
    public List<Check> host() throws InterruptedException {
        List<Check> out = new ArrayList<>();
        out.add(program("make", "make"));
        out.add(program("flex", "flex"));
        out.add(program("bison", "bison"));
        out.add(program("bc", "bc"));
        out.add(program("perl", "perl"));
        out.add(program("tar", "tar"));
        out.add(program("xz", "xz-utils"));
        // The kernel's scripts that write compile_commands.json and rust-project.json (kforge ide) are Python.
        out.add(program("python3", "python3"));
        out.add(header("/usr/include/gelf.h", "libelf headers (objtool, resolve_btfids)", "libelf-dev"));
        out.add(header("/usr/include/openssl/opensslv.h", "OpenSSL headers (sign-file, extract-cert)", "libssl-dev"));
        return out;
    }

    /**
     * The compiler and linker of one target, and the kernel's minimum versions for them.
     *
     * @param kernelSource the kernel source or headers tree, for scripts/min-tool-version.sh
     */
    public List<Check> target(Architecture arch, Toolchain tc, Optional<Path> kernelSource)
            throws InterruptedException {
        List<Check> out = new ArrayList<>();
        String compiler = new KbuildStepPlanner().compilerProgram(arch, tc);
        String pkg = tc.usesCrossCompile() ? arch.gccPackage() : String.join(" ", tc.packages());
        Check cc = program(compiler, pkg);
        out.add(cc);
        if (tc.usesCrossCompile()) {
            out.add(program(
                    arch.crossCompile() + "ld",
                    arch.gccPackage().equals("gcc")
                            ? "binutils"
                            : arch.gccPackage().replaceFirst("^gcc-", "binutils-")));
        } else {
            out.add(program("ld.lld", "lld"));
            out.add(program("llvm-ar", "llvm"));
        }
        if (cc.ok() && kernelSource.isPresent()) {
            Path script = kernelSource.get().resolve("scripts/min-tool-version.sh");
            if (Files.isRegularFile(script)) {
                String tool = tc.family() == ToolchainFamily.GCC ? "gcc" : "llvm";
                Optional<String> min = capture(List.of("sh", script.toString(), tool));
                Optional<String> have = capture(List.of(compiler, "-dumpversion"));
                if (min.isPresent() && have.isPresent()) {
                    boolean ok = compareVersions(have.get(), min.get()) >= 0;
                    out.add(new Check(
                            compiler + " >= " + min.get() + " (scripts/min-tool-version.sh " + tool + ")",
                            ok,
                            "found " + have.get(),
                            ok ? "" : "a newer " + pkg));
                }
            }
        }
        return out;
    }

    /** The emulator kforge test boots an architecture's kernels with, and the Debian package that has it. */
    public Check qemu(Architecture arch) throws InterruptedException {
        String system = arch.boot().orElseThrow().qemuSystem();
        String pkg = switch (system) {
            case "qemu-system-x86_64", "qemu-system-i386" -> "qemu-system-x86";
            case "qemu-system-aarch64", "qemu-system-arm" -> "qemu-system-arm";
            case "qemu-system-ppc64" -> "qemu-system-ppc";
            case "qemu-system-s390x" -> "qemu-system-s390x";
            default -> "qemu-system-misc";
        };
        Check c = program(system, pkg);
        return new Check(c.subject() + " (kforge test)", c.ok(), c.detail(), c.fix());
    }

    public Check program(String name, String pkg) throws InterruptedException {
        Optional<String> v = capture(List.of(name, "--version"));
        return v.map(s -> new Check(name, true, s.lines().findFirst().orElse(""), ""))
                .orElseGet(() -> new Check(name, false, "not found on PATH", "apt-get install " + pkg));
    }

    private static Check header(String path, String what, String pkg) {
        boolean ok = Files.isRegularFile(Path.of(path));
        return new Check(what, ok, ok ? path : path + " missing", ok ? "" : "apt-get install " + pkg);
    }

    private Optional<String> capture(List<String> argv) throws InterruptedException {
        try {
            ProcessResult r = runner.run(ProcessSpec.capture(argv, Path.of(".").toAbsolutePath()));
            return r.succeeded() && !r.output().isBlank()
                    ? Optional.of(r.output().strip())
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Compares dotted numeric versions: 12.2.0 vs 5.1.0. */
    static int compareVersions(String a, String b) {
        String[] x = a.split("[^0-9]+");
        String[] y = b.split("[^0-9]+");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            long xi = i < x.length && !x[i].isEmpty() ? Long.parseLong(x[i]) : 0;
            long yi = i < y.length && !y[i].isEmpty() ? Long.parseLong(y[i]) : 0;
            if (xi != yi) {
                return Long.compare(xi, yi);
            }
        }
        return 0;
    }
}
