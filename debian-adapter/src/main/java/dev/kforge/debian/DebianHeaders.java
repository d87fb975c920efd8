package dev.kforge.debian;

import dev.kforge.core.KforgeException;
import dev.kforge.core.cache.CacheDirs;
import dev.kforge.core.cache.FileLock;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.digest.InputLog;
import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.kernel.BootRoot;
import dev.kforge.core.kernel.DistroKernels;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.KernelInspector;
import dev.kforge.core.kernel.KernelLines;
import dev.kforge.core.kernel.KernelListing;
import dev.kforge.core.kernel.KernelSources;
import dev.kforge.core.kernel.VersionOrder;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.KernelSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;

/**
 * Debian's prebuilt kernel headers of any port, for building modules against the kernels Debian
 * ships (with Module.symvers, so modpost checks every symbol). Per (ABI, flavour, arch): {@code
 * apt-get download} of linux-headers-ABI-FLAVOUR:ARCH (and of -common when the host has no
 * matching one) into the user cache, digest checked against apt's; {@code dpkg-deb -x} into a
 * staging directory; the tree's {@code scripts} and {@code tools} pointed at the host's
 * linux-kbuild-X.Y (Multi-Arch: foreign, so the host's own binaries serve every port); the tree
 * checked (arch in .config, utsrelease.h, Module.symvers); a marker written last; the directory
 * renamed into place. Never {@code apt-get install}: a foreign-arch kernel package pulls a foreign
 * gcc that replaces the toolchains.
 */
public final class DebianHeaders implements DistroKernels, KernelListing, KernelLines, KernelSources {

    static final String MARKER = ".kforge-debian.json";

    private final CacheDirs cache;
    private final KernelInspector inspector;
    private final DebianArchive apt;
    private final Path usr;
    private final SuiteApt suiteApt;
    private final Map<String, DebianArchive> suites = new ConcurrentHashMap<>();

    public DebianHeaders(CacheDirs cache, ProcessRunner runner, KernelInspector inspector) {
        this(cache, runner, inspector, System.getenv());
    }

    /** @param env where the mirror (KFORGE_DEBIAN_MIRROR) and the lists' refresh interval are read */
    public DebianHeaders(CacheDirs cache, ProcessRunner runner, KernelInspector inspector, Map<String, String> env) {
        this(cache, runner, inspector, Path.of("/var/lib/apt/lists"), Path.of("/usr"), env);
    }

    DebianHeaders(
            CacheDirs cache,
            ProcessRunner runner,
            KernelInspector inspector,
            Path aptLists,
            Path usr,
            Map<String, String> env) {
        this.cache = cache;
        this.inspector = inspector;
        this.apt = new DebianArchive(cache, runner, inspector.inputs(), aptLists);
        this.usr = usr;
        this.suiteApt = new SuiteApt(cache, runner, env);
    }

    /** The archive a kernel comes from: its suite's, through kforge's private apt, or the host's apt. */
    private DebianArchive archive(KernelSource kernel) {
        return kernel.suite().map(this::archive).orElse(apt);
    }

    private DebianArchive archive(String suite) {
        return suites.computeIfAbsent(suite, s -> apt.suite(suiteApt, s));
    }

    @Override
    public List<KernelSource> expand(KernelSource kernel, Set<Architecture> arches) throws InterruptedException {
        List<Optional<String>> lines = kernel.suites().isEmpty()
                ? List.of(Optional.empty())
                : kernel.suites().stream().map(Optional::of).toList();
        List<KernelSource> out = new ArrayList<>();
        for (Optional<String> suite : lines) {
            DebianArchive a = suite.map(this::archive).orElse(apt);
            Set<String> debArches = new TreeSet<>();
            arches.stream().filter(x -> x.debianFlavour().isPresent()).forEach(x -> debArches.add(x.debianArch()));
            a.ensure(debArches);
            TreeSet<String> abis = new TreeSet<>(Comparator.comparing(VersionOrder::key));
            for (Architecture arch : arches) {
                abis.addAll(a.abis(arch));
            }
            String where = "Debian " + suite.orElse("(the host's apt)");
            if (abis.isEmpty()) {
                throw KforgeException.environment(
                        "kernel '" + kernel.name() + "': " + where + " serves no kernel headers for "
                                + String.join(", ", debArches),
                        "check the suite's name (kforge kernels lists what each suite serves)");
            }
            List<String> chosen = switch (kernel.path()) {
                case KernelSource.ALL -> List.copyOf(abis);
                case KernelSource.LATEST -> List.of(abis.last());
                default -> {
                    if (!abis.contains(kernel.path())) {
                        throw KforgeException.environment(
                                "kernel '" + kernel.name() + "': " + where + " serves no ABI " + kernel.path()
                                        + " (it serves " + String.join(", ", abis) + ")",
                                "name one it serves, or \"latest\"");
                    }
                    yield List.of(kernel.path());
                }
            };
            for (String abi : chosen) {
                KernelSource e = kernel.expanded(suite, abi);
                // Another release's kernel is built in a root of that release, with its own compiler and kbuild.
                out.add(
                        suite.isPresent()
                                        && !sameRelease(suite.get())
                                        && kernel.root().isEmpty()
                                ? e.withRoot("debian-" + release(suite.get()))
                                : e);
            }
        }
        return out;
    }

    /** linux-source-X.Y of exactly the headers' version, from the kernel's suite (the host's apt without one). */
    @Override
    public KernelSources.Source source(KernelSource kernel, KernelFacts tree) throws InterruptedException {
        return new DebianSources(archive(kernel)).source(kernel, tree);
    }

    @Override
    public String rootSuite(KernelSource expanded) {
        return release(expanded.suite().orElseThrow());
    }

    /**
     * The kernel's own compiler (gcc-N, for a cross arch gcc-N-TRIPLE: CONFIG_CC_VERSION_TEXT
     * names N) and pahole for the modules' BTF; the catalog's root packages bring the rest.
     */
    @Override
    public SortedSet<String> rootPackages(KernelSource kernel, Architecture arch, KernelFacts facts) {
        SortedSet<String> out = new TreeSet<>(List.of("dwarves"));
        gccMajor(facts).ifPresent(n -> {
            String gcc = arch.gccPackage();
            out.add(gcc.equals("gcc") ? "gcc-" + n : gcc.replaceFirst("^gcc-", "gcc-" + n + "-"));
        });
        return out;
    }

    /** N of the gcc-N the kernel was built with, as its CONFIG_CC_VERSION_TEXT says ({@code (Debian 14.2.0-19)}). */
    private static Optional<String> gccMajor(KernelFacts facts) {
        Matcher m = Pattern.compile("\\(Debian (\\d+)\\.")
                .matcher(facts.config().getOrDefault("CONFIG_CC_VERSION_TEXT", ""));
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The release a suite belongs to: trixie for trixie-backports, sid for experimental. */
    static String release(String suite) {
        if (suite.equals("experimental")) {
            return "sid";
        }
        return suite.replaceFirst("-(backports|backports-sloppy|updates|proposed-updates)$", "");
    }

    /** Whether {@code suite} is this machine's own release (or its backports), whose kernels build on the host. */
    private static boolean sameRelease(String suite) {
        return release(suite).equals(hostRelease());
    }

    /** VERSION_CODENAME of /etc/os-release. */
    static String hostRelease() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("VERSION_CODENAME=")) {
                    return line.substring("VERSION_CODENAME=".length())
                            .replace("\"", "")
                            .strip();
                }
            }
        } catch (IOException e) {
            // not a Debian-like host
        }
        return "";
    }

    @Override
    public List<String> abis(String suite, Architecture arch) throws InterruptedException {
        return archive(suite).abis(arch);
    }

    @Override
    public Optional<String> unsupported(KernelSource kernel, Architecture arch) {
        if (arch.debianFlavour().isEmpty()) {
            return Optional.of("Debian builds no kernel for " + arch.key());
        }
        if (kernel.suite().isPresent()) {
            try {
                // A kernel line's ABI may be served for one port and not another (yet, or any more).
                if (!archive(kernel).abis(arch).contains(kernel.path())) {
                    return Optional.of("Debian " + kernel.suite().get() + " serves no " + kernel.path()
                            + " headers for " + arch.debianArch());
                }
                if (kernel.root().isEmpty()) {
                    Optional<String> unbuildable = unbuildableHere(kernel, arch, fetch(kernel, arch));
                    if (unbuildable.isPresent()) {
                        return unbuildable;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KforgeException(KforgeException.Kind.INTERRUPTED, "interrupted", "");
            }
        }
        Map<String, List<String>> ports = archive(kernel).ports();
        if (!ports.isEmpty() && ports.values().stream().noneMatch(a -> a.contains(arch.debianArch()))) {
            return Optional.of("Debian " + String.join("/", ports.keySet()) + " has no " + arch.debianArch()
                    + " port (its Release " + "lists "
                    + String.join(
                            " ",
                            new TreeSet<>(ports.values().stream()
                                    .flatMap(List::stream)
                                    .toList())) + ")");
        }
        return Optional.empty();
    }

    /**
     * Whether a suite's kernel can be built on this machine: its own compiler (CONFIG_CC_VERSION_TEXT
     * names it: gcc-N, as CROSS_COMPILE + gcc-N) on PATH, and its kbuild's programs runnable (a newer
     * suite's are linked against a newer C library). Else why not: such a kernel is built in a root of
     * its suite, which kforge does not make for kernel lines yet.
     */
    private Optional<String> unbuildableHere(KernelSource kernel, Architecture arch, Tree tree)
            throws InterruptedException {
        String cc = tree.facts().config().getOrDefault("CONFIG_CC_VERSION_TEXT", "");
        String suite = kernel.suite().orElseThrow();
        List<String> lacking = new ArrayList<>();
        gccMajor(tree.facts())
                .map(n -> arch.crossCompile() + "gcc-" + n)
                .filter(p -> !onPath(p))
                .ifPresent(p -> lacking.add(p + " (the kernel's compiler: " + cc + ")"));
        Optional<String> ran = apt.captureAll(
                List.of(tree.dir().resolve("scripts/basic/fixdep").toString()));
        if (ran.map(o -> o.contains("GLIBC_") || o.contains("not found")).orElse(true)) {
            lacking.add("a runnable kbuild (" + suite + "'s scripts need its C library)");
        }
        if (lacking.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("Debian " + suite + "'s kernel needs " + String.join(" and ", lacking)
                + ", found in a root of " + suite + "; kforge does not build kernel lines in suite roots yet");
    }

    private static boolean onPath(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return false;
    }

    /** A kernel line's image comes from its suite (a 7.x one in two packages: the kernel and its modules). */
    @Override
    public BootRoot image(KernelSource kernel, Architecture arch) {
        return new DebianBootFiles(archive(kernel)).image(kernel, arch);
    }

    /** The guest of a suite of another release runs that release's busybox (trixie's for trixie-backports). */
    @Override
    public Optional<String> guestRelease(KernelSource expanded) {
        String suite = expanded.suite().orElseThrow();
        return sameRelease(suite) ? Optional.empty() : Optional.of(release(suite));
    }

    @Override
    public Optional<String> noBusybox(Optional<String> release, Architecture arch) {
        return guestFiles(release).noBusybox(arch);
    }

    @Override
    public BootRoot busybox(Optional<String> release, Architecture arch) {
        return guestFiles(release).busybox(arch);
    }

    private DebianBootFiles guestFiles(Optional<String> release) {
        return new DebianBootFiles(release.map(this::archive).orElse(apt));
    }

    @Override
    public Tree fetch(KernelSource kernel, Architecture arch) {
        try {
            return fetchOrThrow(kernel, arch);
        } catch (IOException e) {
            throw KforgeException.environment(
                    "kernel '" + kernel.name() + "' for " + arch.key() + ": " + e.getMessage(),
                    "check free space in " + cache.root());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KforgeException(
                    KforgeException.Kind.INTERRUPTED, "interrupted while fetching kernel headers", "");
        }
    }

    private Tree fetchOrThrow(KernelSource kernel, Architecture arch) throws IOException, InterruptedException {
        String flavour = arch.debianFlavour().orElseThrow();
        String debArch = arch.debianArch();
        // Nothing is asked of dpkg or apt when the tree is cached (a no-op build stays cheap).
        DebianArchive apt = archive(kernel);
        String abi = kernel.path().equals("latest") ? apt.latest(kernel, flavour, debArch) : kernel.path();
        String pkg = "linux-headers-" + abi + "-" + flavour;
        Path dir = cache.root().resolve("debian").resolve(pkg + "_" + debArch);
        Path tree = dir.resolve("root/usr/src").resolve(pkg);
        Optional<Tree> ready = ready(kernel, dir, tree);
        if (ready.isPresent()) {
            return ready.get();
        }
        apt.requireEnabled(kernel, debArch);
        Files.createDirectories(dir.getParent());
        try (FileLock lock = FileLock.acquire(cache.locks().resolve("debian-" + pkg + "_" + debArch + ".lock"))) {
            ready = ready(kernel, dir, tree);
            if (ready.isPresent()) {
                return ready.get(); // another kforge fetched it while this one waited
            }
            return unpack(apt, kernel, arch, pkg, dir, tree);
        }
    }

    /** A tree whose marker was written (last) and whose defining files are all there. */
    private Optional<Tree> ready(KernelSource kernel, Path dir, Path tree) throws IOException {
        Path marker = dir.resolve(MARKER);
        inspector.inputs().see(marker);
        if (!Files.isRegularFile(marker)) {
            return Optional.empty();
        }
        for (String f : List.of(
                "Makefile", ".config", "Module.symvers", "include/generated/utsrelease.h", "scripts/mod/modpost")) {
            inspector.inputs().see(tree.resolve(f));
            if (!Files.exists(tree.resolve(f))) {
                LoggerFactory.getLogger(DebianHeaders.class)
                        .warn("{}: {} lacks {}; fetching it again", kernel.name(), tree, f);
                return Optional.empty();
            }
        }
        Optional<Map<?, ?>> read = Markers.read(marker);
        if (read.isEmpty()) {
            return Optional.empty();
        }
        // Its kbuild is the host's or inside the tree's own directory (a toolchain root sees only those).
        Path scripts = tree.resolve("scripts");
        if (Files.isSymbolicLink(scripts)) {
            Path target = Files.readSymbolicLink(scripts);
            if (target.isAbsolute() && !target.startsWith(usr) && !target.startsWith(dir)) {
                LoggerFactory.getLogger(DebianHeaders.class)
                        .warn("{}: {} uses a kbuild outside it ({}); fetching it again", kernel.name(), tree, target);
                return Optional.empty();
            }
        }
        Map<?, ?> m = read.get();
        SortedMap<String, String> provenance = new TreeMap<>();
        ((Map<?, ?>) m.get("packages")).forEach((k, v) -> provenance.put("package:" + k, String.valueOf(v)));
        KernelFacts f = inspector.headers(kernel, tree);
        return Optional.of(new Tree(
                new KernelFacts(
                        f.name(),
                        f.kind(),
                        f.version(),
                        f.identity(),
                        f.headersArch(),
                        f.headersFamily(),
                        f.release(),
                        f.rustArches(),
                        f.config(),
                        new TreeMap<>(),
                        new TreeMap<>(),
                        provenance),
                tree));
    }

    private Tree unpack(DebianArchive apt, KernelSource kernel, Architecture arch, String pkg, Path dir, Path tree)
            throws IOException, InterruptedException {
        Map<String, String> show = apt.show(kernel, pkg + ":" + arch.debianArch());
        Path deb = apt.download(kernel, pkg + ":" + arch.debianArch(), show);
        new HeadersUnpacker(apt, inspector, usr).unpackInto(kernel, Optional.of(arch), deb, show, dir);
        return ready(kernel, dir, tree)
                .orElseThrow(() -> KforgeException.environment(
                        "kernel '" + kernel.name() + "': " + tree + " is incomplete after unpacking",
                        "run again; report it if it persists"));
    }

    /**
     * {@code deb = "linux-headers-....deb"}: a headers package the user has (offline, or another
     * Debian-based distribution), unpacked and fixed up like a fetched one, keyed by its digest.
     * It serves the one architecture it was built for, like any headers tree.
     */
    @Override
    public Tree unpack(KernelSource kernel, Path workspace) {
        Path deb = workspace.resolve(kernel.path()).normalize();
        inspector.inputs().see(deb);
        try {
            if (!Files.isRegularFile(deb)) {
                throw KforgeException.environment(
                        "kernel '" + kernel.name() + "': " + deb + " does not exist",
                        "name a linux-headers-*.deb (apt-get download linux-headers-ABI-FLAVOUR:ARCH fetches one)");
            }
            String sha = Digest.ofFile(deb).hex();
            Path dir = cache.root().resolve("debian").resolve("local-" + sha.substring(0, 16));
            Optional<Path> tree = localTree(dir, inspector.inputs());
            if (tree.isPresent()) {
                Optional<Tree> ready = ready(kernel, dir, tree.get());
                if (ready.isPresent()) {
                    return ready.get();
                }
            }
            Files.createDirectories(dir.getParent());
            try (FileLock lock =
                    FileLock.acquire(cache.locks().resolve("debian-local-" + sha.substring(0, 16) + ".lock"))) {
                Map<String, String> fields = DebianArchive.fields(apt.capture(List.of(
                                "dpkg-deb", "-f", deb.toString(), "Package", "Version", "Architecture", "Depends"))
                        .orElseThrow(() -> KforgeException.environment(
                                "kernel '" + kernel.name() + "': " + deb + " is not a Debian package dpkg-deb can read",
                                "name a linux-headers-*.deb")));
                fields.put("SHA256", sha);
                if (!fields.getOrDefault("Package", "").startsWith("linux-headers-")) {
                    throw KforgeException.environment(
                            "kernel '" + kernel.name() + "': " + deb + " is "
                                    + fields.getOrDefault("Package", "no package") + ", not a linux-headers package",
                            "name a linux-headers-*.deb");
                }
                new HeadersUnpacker(apt, inspector, usr).unpackInto(kernel, Optional.empty(), deb, fields, dir);
                Path unpacked = localTree(dir, inspector.inputs()).orElseThrow();
                return ready(kernel, dir, unpacked)
                        .orElseThrow(() -> KforgeException.environment(
                                "kernel '" + kernel.name() + "': " + unpacked + " is incomplete after unpacking",
                                "check the package"));
            }
        } catch (IOException e) {
            throw KforgeException.environment(
                    "kernel '" + kernel.name() + "': " + e.getMessage(), "check free space in " + cache.root());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KforgeException(
                    KforgeException.Kind.INTERRUPTED, "interrupted while unpacking kernel headers", "");
        }
    }

    /** The arch tree inside an unpacked package directory (not the -common one). */
    private static Optional<Path> localTree(Path dir, InputLog inputs) throws IOException {
        Path src = dir.resolve("root/usr/src");
        inputs.see(src);
        if (!Files.isDirectory(src)) {
            return Optional.empty();
        }
        try (var s = Files.list(src)) {
            return s.filter(p -> p.getFileName().toString().startsWith("linux-headers-")
                            && !p.getFileName().toString().endsWith("-common"))
                    .sorted()
                    .findFirst();
        }
    }

    @Override
    public boolean serves(Architecture arch) throws InterruptedException {
        return apt.serves(arch);
    }

    @Override
    public List<String> abis(Architecture arch) throws InterruptedException {
        return apt.abis(arch);
    }
}
