package dev.kforge.debian;

import dev.kforge.core.KforgeException;
import dev.kforge.core.cache.CacheDirs;
import dev.kforge.core.cache.FileLock;
import dev.kforge.core.digest.InputLog;
import dev.kforge.core.exec.ProcessResult;
import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.exec.ProcessSpec;
import dev.kforge.core.exec.RootedRunner;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.fs.LogLines;
import dev.kforge.core.fs.Staging;
import dev.kforge.core.json.CanonicalJson;
import dev.kforge.core.kernel.ToolchainRoots;
import dev.kforge.core.model.ToolchainRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.LoggerFactory;

/**
 * Toolchain roots made from a Debian suite: {@code debootstrap --variant=minbase SUITE} from the
 * mirror apt already uses, then {@code apt-get install --no-install-recommends} inside it (run
 * with bubblewrap) of the packages asked for. Made in a staging directory and renamed into place
 * with its marker written last, under a cross-process lock; a root whose marker is missing, whose
 * dpkg database changed or one of whose packages lost a file from /usr/bin is damaged and made
 * again. A root that lacks some packages asked for gets them installed, and its identity (the
 * suite and every installed package's version) changes with them.
 */
public final class DebianRoots implements ToolchainRoots {

    static final String MARKER = ".kforge-root.json";

    private static final Duration LIMIT = Duration.ofMinutes(30);

    private final CacheDirs cache;
    private final ProcessRunner runner;
    private final Map<String, String> env;
    private final InputLog inputs;

    /**
     * @param env the caller's environment: {@code KFORGE_DEBIAN_MIRROR} overrides the mirror read from apt's sources
     */
    public DebianRoots(CacheDirs cache, ProcessRunner runner, Map<String, String> env) {
        this(cache, runner, env, new InputLog());
    }

    /** @param inputs where planning's reads of a root's state are recorded (for the plan cache) */
    public DebianRoots(CacheDirs cache, ProcessRunner runner, Map<String, String> env, InputLog inputs) {
        this.inputs = inputs;
        this.cache = cache;
        this.runner = runner;
        this.env = Map.copyOf(env);
    }

    /** Where a root lives in the cache. */
    public Path dir(ToolchainRoot root) {
        return cache.root().resolve("roots").resolve(root.name() + "-" + root.suite());
    }

    @Override
    public Optional<Facts> inspect(ToolchainRoot root) {
        try {
            return RootState.ready(root, dir(root), inputs);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public Facts ensure(ToolchainRoot root, SortedSet<String> packages) {
        Path dir = dir(root);
        try {
            Optional<Facts> ready = RootState.ready(root, dir, inputs);
            if (ready.isPresent() && ready.get().packages().keySet().containsAll(packages)) {
                return ready.get(); // the usual case: one marker read and a few stats, no process
            }
            Files.createDirectories(dir.getParent());
            try (FileLock lock =
                    FileLock.acquire(cache.locks().resolve("root-" + root.name() + "-" + root.suite() + ".lock"))) {
                ready = RootState.ready(root, dir, inputs);
                if (ready.isPresent() && ready.get().packages().keySet().containsAll(packages)) {
                    return ready.get(); // another kforge made it while this one waited
                }
                if (ready.isPresent()) {
                    SortedSet<String> all = new TreeSet<>(ready.get().packages().keySet());
                    all.addAll(packages);
                    install(root, dir, all);
                    return write(root, dir, all);
                }
                return create(root, dir, packages);
            }
        } catch (IOException e) {
            throw KforgeException.environment(
                    "toolchain root '" + root.name() + "': " + e.getMessage(), "check free space in " + cache.root());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KforgeException(
                    KforgeException.Kind.INTERRUPTED, "interrupted while making toolchain root " + root.name(), "");
        }
    }

    private Facts create(ToolchainRoot root, Path dir, SortedSet<String> packages)
            throws IOException, InterruptedException {
        require("debootstrap", "/usr/sbin/debootstrap", "debootstrap");
        require("bwrap", "/usr/bin/bwrap", "bubblewrap");
        if (!"0".equals(capture(List.of("id", "-u")).strip())) {
            throw KforgeException.environment(
                    "toolchain root '" + root.name() + "': making a Debian root takes root (debootstrap "
                            + "writes device nodes and file owners)",
                    "run the first kforge that needs it as root (sudo), once; the root is " + "then reused from "
                            + dir.getParent() + " by every user");
        }
        String mirror = AptSources.mirror(env);
        LoggerFactory.getLogger(DebianRoots.class)
                .info(
                        "making toolchain root {} ({} from {}): debootstrap, then "
                                + "apt-get install of {} packages; this takes a few minutes, once",
                        root.name(),
                        root.suite(),
                        mirror,
                        packages.size());
        Path staging = Staging.dir(dir.getParent(), dir.getFileName() + ".tmp-");
        try {
            Path log = staging.resolveSibling(staging.getFileName() + ".log");
            ProcessResult r = runner.run(new ProcessSpec(
                    List.of("debootstrap", "--variant=minbase", root.suite(), staging.toString(), mirror),
                    new TreeMap<>(),
                    staging.getParent(),
                    Optional.of(log),
                    Optional.of(LIMIT)));
            if (!r.succeeded()) {
                throw KforgeException.environment(
                        "toolchain root '" + root.name() + "': debootstrap could not make a " + root.suite()
                                + " root from " + mirror + ": " + tail(log),
                        "check the suite's name (debian = \"trixie\") and that the "
                                + "mirror serves it; set KFORGE_DEBIAN_MIRROR to use another mirror");
            }
            Files.deleteIfExists(log);
            install(root, staging, packages);
            FileTrees.swapIn(staging, dir);
            staging = null;
            return write(root, dir, packages);
        } finally {
            if (staging != null) {
                Mounts.unmountUnder(
                        runner, staging); // debootstrap mounts /proc (and more) in its target; a killed one leaves them
                FileTrees.deleteRecursively(staging);
                Files.deleteIfExists(staging.resolveSibling(staging.getFileName() + ".log"));
            }
        }
    }

    /** apt-get update and install inside the root (writable), as root of the root. */
    private void install(ToolchainRoot root, Path dir, SortedSet<String> packages)
            throws IOException, InterruptedException {
        RootedRunner inside = new RootedRunner(runner, dir, List.of(), true);
        Path log = Files.createTempFile(dir.getParent(), dir.getFileName() + ".apt", ".log");
        try {
            TreeMap<String, String> apt = new TreeMap<>(Map.of("DEBIAN_FRONTEND", "noninteractive"));
            for (List<String> argv : List.of(
                    // A frozen mirror (a snapshot) serves Release files past their Valid-Until: still signed, accepted.
                    List.of(
                            "apt-get",
                            "-o",
                            "APT::Sandbox::User=root",
                            "-o",
                            "Acquire::Check-Valid-Until=false",
                            "-qq",
                            "update"),
                    concat(
                            List.of(
                                    "apt-get",
                                    "-o",
                                    "APT::Sandbox::User=root",
                                    "-qq",
                                    "-y",
                                    "--no-install-recommends",
                                    "install"),
                            packages))) {
                ProcessResult r =
                        inside.run(new ProcessSpec(argv, apt, Path.of("/"), Optional.of(log), Optional.of(LIMIT)));
                if (!r.succeeded()) {
                    String why = tail(log);
                    throw KforgeException.environment(
                            "toolchain root '" + root.name() + "': "
                                    + (argv.contains("update") ? "apt-get update" : "apt-get install") + " inside the "
                                    + root.suite() + " root failed: " + why,
                            why.contains("namespace")
                                    ? "bubblewrap needs user namespaces: sysctl kernel.unprivileged_userns_clone=1, "
                                            + "or run as root"
                                    : "check the package names the catalog asks for and the network; the mirror "
                                            + "may be mid-sync (run again)");
                }
            }
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** Records what the root holds, marker last: the identity is the suite and every package's version. */
    private Facts write(ToolchainRoot root, Path dir, SortedSet<String> packages)
            throws IOException, InterruptedException {
        RootedRunner inside = new RootedRunner(runner, dir, List.of(), false);
        ProcessResult r = inside.run(new ProcessSpec(
                List.of("dpkg-query", "-W", "-f", "${Package}=${Version}\\n"),
                new TreeMap<>(),
                Path.of("/"),
                Optional.empty(),
                Optional.of(Duration.ofMinutes(1))));
        if (!r.succeeded()) {
            throw KforgeException.environment(
                    "toolchain root '" + root.name() + "': dpkg-query inside it failed: "
                            + r.output().strip(),
                    "remove " + dir + " and run again");
        }
        SortedMap<String, String> installed = new TreeMap<>();
        r.output()
                .lines()
                .filter(l -> l.contains("="))
                .forEach(l -> installed.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1)));
        SortedMap<String, String> asked = new TreeMap<>();
        for (String p : packages) {
            String v = installed.get(p);
            if (v == null) {
                throw KforgeException.environment(
                        "toolchain root '" + root.name() + "': " + p + " is not installed after apt-get",
                        "check that Debian " + root.suite() + " has a package " + p);
            }
            asked.put(p, v);
        }
        Path status = dir.resolve("var/lib/dpkg/status");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("suite", root.suite());
        m.put("packages", asked);
        m.put("identity", RootState.identity(root.suite(), installed).hex());
        m.put(
                "dpkgStatus",
                Files.size(status) + ":" + Files.getLastModifiedTime(status).toMillis());
        Path tmp = Files.createTempFile(dir, MARKER, ".tmp");
        Files.writeString(tmp, CanonicalJson.write(m));
        Files.move(tmp, dir.resolve(MARKER), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return RootState.ready(root, dir, inputs)
                .orElseThrow(() -> KforgeException.environment(
                        "toolchain root '" + root.name() + "' at " + dir + " is incomplete after it was made",
                        "remove it and run again; report it if it persists"));
    }

    private void require(String program, String path, String pkg) {
        if (!Files.isExecutable(Path.of(path))) {
            throw KforgeException.environment(
                    program + " is not installed; kforge makes toolchain roots with it",
                    "apt-get install " + pkg + " (scripts/install-deps installs it)");
        }
    }

    private String capture(List<String> argv) throws InterruptedException {
        try {
            ProcessResult r = runner.run(ProcessSpec.capture(argv, Path.of("/")));
            return r.output();
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(Path log) throws IOException {
        if (!Files.isRegularFile(log)) {
            return "no output";
        }
        List<String> lines = LogLines.last(log, 4);
        return lines.isEmpty() ? "no output" : String.join(" | ", lines).strip();
    }

    private static List<String> concat(List<String> a, SortedSet<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
