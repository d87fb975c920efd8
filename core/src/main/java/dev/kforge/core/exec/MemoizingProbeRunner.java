package dev.kforge.core.exec;

import dev.kforge.core.digest.Fingerprint;
import dev.kforge.core.digest.InputLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Remembers the output of probes ({@code rustc -vV}, {@code gcc --version}, min-tool-version.sh)
 * on disk, keyed by the argv, the environment and the identity (path, size, mtime) of the program
 * and of every argument that names a file, so planning does not spawn a dozen processes each time.
 * rustup's proxies answer for the default toolchain, so their key also covers rustup's settings.
 * Only captured runs (no log) are remembered; everything else passes straight through.
 */
public final class MemoizingProbeRunner implements ProcessRunner {

    private final ProcessRunner delegate;
    private final Path dir;
    private final Map<String, String> env;

    /** A toolchain root the probes run in, whose package database stands for its programs; empty for the host. */
    private final Optional<Path> root;
    /** Where every path a key is made from is recorded (for the plan cache: a probe's answer is trusted as far as its key). */
    private final InputLog inputs;

    public MemoizingProbeRunner(ProcessRunner delegate, Path dir, Map<String, String> env) {
        this(delegate, dir, env, new InputLog());
    }

    public MemoizingProbeRunner(ProcessRunner delegate, Path dir, Map<String, String> env, InputLog inputs) {
        this(delegate, dir, env, Optional.empty(), inputs);
    }

    private MemoizingProbeRunner(
            ProcessRunner delegate, Path dir, Map<String, String> env, Optional<Path> root, InputLog inputs) {
        this.inputs = inputs;
        this.delegate = delegate;
        this.dir = dir;
        this.env = Map.copyOf(env);
        this.root = root;
    }

    /**
     * Probes run inside a toolchain root by {@code delegate} (a {@link RootedRunner}): their programs
     * are the root's, so the key covers the root's dpkg status (any package installed, removed or
     * upgraded there changes it) instead of the host's files of the same name.
     */
    public static MemoizingProbeRunner inRoot(ProcessRunner delegate, Path dir, Path root) {
        return inRoot(delegate, dir, root, new InputLog());
    }

    /** As {@link #inRoot(ProcessRunner, Path, Path)}, recording the paths its keys are made from in {@code inputs}. */
    public static MemoizingProbeRunner inRoot(ProcessRunner delegate, Path dir, Path root, InputLog inputs) {
        return new MemoizingProbeRunner(delegate, dir, Map.of("PATH", RootedRunner.PATH), Optional.of(root), inputs);
    }

    @Override
    public ProcessResult run(ProcessSpec spec) throws IOException, InterruptedException {
        if (spec.log().isPresent()) {
            return delegate.run(spec);
        }
        Optional<String> key = key(spec);
        if (key.isEmpty()) {
            return delegate.run(spec);
        }
        Path memo = dir.resolve(key.get());
        if (Files.isRegularFile(memo)) {
            String text = Files.readString(memo, StandardCharsets.UTF_8);
            int nl = text.indexOf('\n');
            if (nl > 0) {
                try {
                    return new ProcessResult(
                            Integer.parseInt(text.substring(0, nl)), false, Duration.ZERO, text.substring(nl + 1));
                } catch (NumberFormatException e) {
                    // A torn memo is a miss.
                }
            }
        }
        ProcessResult r = delegate.run(spec);
        if (!r.timedOut()) {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "probe", ".tmp");
            Files.writeString(tmp, r.exitCode() + "\n" + r.output(), StandardCharsets.UTF_8);
            Files.move(tmp, memo, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        return r;
    }

    /** Empty when the program cannot be identified (then the probe is not remembered). */
    private Optional<String> key(ProcessSpec spec) {
        Fingerprint f =
                new Fingerprint("kforge-probe", 1).addStrings(spec.argv()).addMap(spec.env());
        if (root.isPresent()) {
            f.add("root").add(root.get().toString());
            stat(f, root.get().resolve("var/lib/dpkg/status"));
            for (String arg : spec.argv().subList(1, spec.argv().size())) {
                if (arg.startsWith("/")) {
                    inputs.see(Path.of(arg));
                }
                if (arg.startsWith("/") && !Path.of(arg).startsWith(root.get()) && Files.isRegularFile(Path.of(arg))) {
                    stat(f, Path.of(arg)); // a host file bound into the root at the same path (a kernel script)
                }
            }
            return Optional.of(f.digest().hex());
        }
        Optional<Path> program = resolve(spec.argv().get(0));
        if (program.isEmpty()) {
            return Optional.empty();
        }
        stat(f, program.get());
        for (String arg : spec.argv().subList(1, spec.argv().size())) {
            if (arg.startsWith("/")) {
                inputs.see(Path.of(arg));
            }
            if (arg.startsWith("/") && Files.isRegularFile(Path.of(arg))) {
                stat(f, Path.of(arg));
            }
        }
        if (program.get().toString().contains("/.cargo/bin/")
                || program.get().toString().contains("/.rustup/")) {
            Path home = Path.of(env.getOrDefault("RUSTUP_HOME", env.getOrDefault("HOME", "/root") + "/.rustup"));
            stat(f, home.resolve("settings.toml"));
            f.add(env.getOrDefault("RUSTUP_TOOLCHAIN", ""));
        }
        return Optional.of(f.digest().hex());
    }

    private void stat(Fingerprint f, Path p) {
        inputs.see(p);
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            f.add(p.toString()).add(a.size()).add(a.lastModifiedTime().toMillis());
            f.add(p.toRealPath().toString());
        } catch (IOException e) {
            f.add(p.toString()).add("absent");
        }
    }

    private Optional<Path> resolve(String program) {
        if (program.contains("/")) {
            inputs.see(Path.of(program));
            return Optional.of(Path.of(program)).filter(Files::isRegularFile);
        }
        for (String d : env.getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(d.isEmpty() ? "." : d, program);
            inputs.see(p);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
