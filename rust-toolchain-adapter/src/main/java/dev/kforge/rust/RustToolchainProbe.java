package dev.kforge.rust;

import dev.kforge.core.KforgeException;
import dev.kforge.core.digest.InputLog;
import dev.kforge.core.exec.ProcessResult;
import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.exec.ProcessSpec;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.RustSelection;
import dev.kforge.core.kernel.RustToolchains;
import dev.kforge.core.model.KernelSource;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds rustc candidates (an explicit --rustc, PATH, /usr/bin, Debian's versioned rustc-*,
 * rustup toolchains), bindgen and libclang, and selects by {@link SelectionRules}.
 */
public final class RustToolchainProbe implements RustToolchains {

    private final ProcessRunner runner;
    private final Map<String, String> env;
    private final Optional<Path> explicitRustc;
    private final Map<Path, Candidate> probed = new ConcurrentHashMap<>();
    /** Where the file system the candidates live in is on this machine: / for the host, a toolchain root's directory. */
    private final Path fsRoot;
    /** Where the paths looked at are recorded (for the plan cache); the probes' own inputs are the probe runner's to record. */
    private final InputLog inputs;

    public RustToolchainProbe(ProcessRunner runner, Map<String, String> env, Optional<Path> explicitRustc) {
        this(runner, env, explicitRustc, new InputLog());
    }

    public RustToolchainProbe(
            ProcessRunner runner, Map<String, String> env, Optional<Path> explicitRustc, InputLog inputs) {
        this(runner, env, explicitRustc, Path.of("/"), inputs);
    }

    private RustToolchainProbe(
            ProcessRunner runner, Map<String, String> env, Optional<Path> explicitRustc, Path fsRoot, InputLog inputs) {
        this.inputs = inputs;
        this.runner = runner;
        this.env = Map.copyOf(env);
        this.explicitRustc = explicitRustc;
        this.fsRoot = fsRoot;
    }

    /**
     * The Rust toolchains of a toolchain root: the distribution's rustc (and versioned rustc-*),
     * bindgen and libclang inside it, probed by running them there ({@code rooted} runs processes
     * inside the root at {@code rootDir}); the host's PATH, rustup and --rustc do not apply.
     */
    public static RustToolchainProbe inRoot(ProcessRunner rooted, Path rootDir) {
        return inRoot(rooted, rootDir, new InputLog());
    }

    /** As {@link #inRoot(ProcessRunner, Path)}, recording the paths looked at in {@code inputs}. */
    public static RustToolchainProbe inRoot(ProcessRunner rooted, Path rootDir, InputLog inputs) {
        return new RustToolchainProbe(
                rooted, Map.of("PATH", "/usr/bin", "HOME", "/nonexistent"), Optional.empty(), rootDir, inputs);
    }

    /** A path as the candidates see it, where it is on this machine. */
    private Path host(Path p) {
        return fsRoot.resolve(Path.of("/").relativize(p.toAbsolutePath()));
    }

    @Override
    public RustSelection select(KernelFacts kernel, Path sourceDir) {
        String builtWith = kernel.config().get("CONFIG_RUSTC_VERSION_TEXT");
        if (kernel.kind() == KernelSource.Kind.HEADERS && builtWith != null) {
            return SelectionRules.selectBuiltWith(
                    builtWith,
                    Optional.ofNullable(kernel.config().get("CONFIG_BINDGEN_VERSION_TEXT")),
                    rustcs(),
                    bindgen(),
                    libclang());
        }
        Version kv = Version.find(kernel.version()).orElseThrow();
        Version minRustc = minimum(sourceDir, "rustc");
        Version minBindgen = minimum(sourceDir, "bindgen");
        return SelectionRules.select(kv, minRustc, minBindgen, rustcs(), bindgen(), libclang());
    }

    /** Every rustc found, in search order, each probed once. */
    List<Candidate> rustcs() {
        // Keyed by real path so one binary reached twice is probed once; invoked by the path found,
        // since rustup's proxies dispatch on their own name.
        Map<Path, Map.Entry<Path, String>> found = new LinkedHashMap<>();
        explicitRustc.ifPresent(p -> add(found, p.toAbsolutePath(), "--rustc"));
        for (String dir : env.getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty()) {
                add(found, Path.of(dir, "rustc"), "PATH " + dir);
            }
        }
        add(found, Path.of("/usr/bin/rustc"), "Debian rustc");
        for (Path p : glob(host(Path.of("/usr/bin")), "rustc-[0-9]*")) {
            add(found, Path.of("/usr/bin").resolve(p.getFileName()), "Debian " + p.getFileName());
        }
        Path rustupHome = Path.of(env.getOrDefault("RUSTUP_HOME", env.getOrDefault("HOME", "/root") + "/.rustup"));
        for (Path tc : fsRoot.equals(Path.of("/")) ? glob(rustupHome.resolve("toolchains"), "*") : List.<Path>of()) {
            add(found, tc.resolve("bin/rustc"), "rustup toolchain " + tc.getFileName());
        }
        List<Candidate> out = new ArrayList<>();
        found.values().forEach(e -> out.add(probed.computeIfAbsent(e.getKey(), x -> probeRustc(x, e.getValue()))));
        return out;
    }

    private void add(Map<Path, Map.Entry<Path, String>> found, Path p, String origin) {
        inputs.see(host(p));
        if (Files.isExecutable(host(p))) {
            Path key =
                    (p.getFileName().toString().equals("rustc") && p.toString().contains("/.cargo/bin/"))
                                    || !fsRoot.equals(Path.of("/"))
                            ? p
                            : real(p);
            found.putIfAbsent(key, Map.entry(p.toAbsolutePath(), origin));
        }
    }

    Optional<Candidate> bindgen() {
        for (String dir : env.getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "bindgen");
            inputs.see(host(p));
            if (Files.isExecutable(host(p))) {
                String line = capture(List.of(p.toString(), "--version")).orElse("");
                return Optional.of(
                        new Candidate(p.toAbsolutePath(), "PATH", Version.find(line), line, Optional.empty()));
            }
        }
        return Optional.empty();
    }

    boolean libclang() {
        for (Path llvm : glob(host(Path.of("/usr/lib")), "llvm-*")) {
            inputs.see(llvm.resolve("lib/libclang.so"));
            if (Files.exists(llvm.resolve("lib/libclang.so"))
                    || !glob(llvm.resolve("lib"), "libclang-*.so*").isEmpty()) {
                return true;
            }
        }
        return !glob(host(Path.of("/usr/lib/x86_64-linux-gnu")), "libclang-*.so*")
                .isEmpty();
    }

    private Candidate probeRustc(Path rustc, String origin) {
        Optional<String> vv = capture(List.of(rustc.toString(), "-vV"));
        Optional<Version> version = vv.flatMap(Version::fromRustcVerbose);
        String line = capture(List.of(rustc.toString(), "--version")).orElse("");
        Optional<Path> libSrc = Optional.empty();
        String rustLibSrc = env.get("RUST_LIB_SRC");
        if (rustLibSrc != null) {
            inputs.see(Path.of(rustLibSrc, "core/src/lib.rs"));
        }
        if (rustLibSrc != null && Files.isRegularFile(Path.of(rustLibSrc, "core/src/lib.rs"))) {
            libSrc = Optional.of(Path.of(rustLibSrc));
        } else {
            Optional<String> sysroot = capture(List.of(rustc.toString(), "--print", "sysroot"));
            if (sysroot.isPresent()) {
                Path lib = Path.of(sysroot.get().strip(), "lib/rustlib/src/rust/library");
                inputs.see(host(lib).resolve("core/src/lib.rs"));
                if (Files.isRegularFile(host(lib).resolve("core/src/lib.rs"))) {
                    libSrc = Optional.of(lib);
                }
            }
        }
        return new Candidate(rustc, origin, version, line, libSrc);
    }

    private Version minimum(Path sourceDir, String tool) {
        Path script = sourceDir.resolve("scripts/min-tool-version.sh");
        inputs.see(script);
        Optional<String> v =
                Files.isRegularFile(script) ? capture(List.of("sh", script.toString(), tool)) : Optional.empty();
        return v.flatMap(Version::find)
                .orElseThrow(() -> KforgeException.environment(
                        sourceDir + " does not name a minimum " + tool + " version (scripts/min-tool-version.sh)",
                        "Rust needs kernel 6.1 or newer"));
    }

    private Optional<String> capture(List<String> argv) {
        try {
            // The kernel's rust_is_available.sh runs rustc with the environment we give make; probe the same way.
            ProcessResult r = runner.run(ProcessSpec.capture(argv, Path.of("/")));
            return r.succeeded() && !r.output().isBlank()
                    ? Optional.of(r.output().strip())
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KforgeException(KforgeException.Kind.INTERRUPTED, "interrupted while probing " + argv.get(0), "");
        }
    }

    private static Path real(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath();
        }
    }

    private List<Path> glob(Path dir, String pattern) {
        List<Path> out = new ArrayList<>();
        inputs.see(dir);
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, pattern)) {
            ds.forEach(out::add);
        } catch (IOException e) {
            return out;
        }
        out.sort(null);
        return out;
    }
}
