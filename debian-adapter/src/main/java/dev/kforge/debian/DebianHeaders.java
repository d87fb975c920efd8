package dev.kforge.debian;

import dev.kforge.core.KforgeException;
import dev.kforge.core.cache.CacheDirs;
import dev.kforge.core.cache.FileLock;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.digest.InputLog;
import dev.kforge.core.exec.ProcessResult;
import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.exec.ProcessSpec;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.json.CanonicalJson;
import dev.kforge.core.kernel.BootRoot;
import dev.kforge.core.kernel.DistroKernels;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.KernelInspector;
import dev.kforge.core.kernel.KernelListing;
import dev.kforge.core.kernel.VersionOrder;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.KernelSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
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
public final class DebianHeaders implements DistroKernels, KernelListing {

    static final String MARKER = ".kforge-debian.json";

    private static final Pattern FIELD = Pattern.compile("^([A-Za-z0-9-]+): (.*)$", Pattern.MULTILINE);

    private final CacheDirs cache;
    private final ProcessRunner runner;
    private final KernelInspector inspector;
    private final Path aptLists;
    private final Path usr;
    private volatile Map<String, List<String>> ports;
    private volatile List<String> enabled;
    private final DebianBootFiles boot = new DebianBootFiles(this);

    public DebianHeaders(CacheDirs cache, ProcessRunner runner, KernelInspector inspector) {
        this(cache, runner, inspector, Path.of("/var/lib/apt/lists"), Path.of("/usr"));
    }

    DebianHeaders(CacheDirs cache, ProcessRunner runner, KernelInspector inspector, Path aptLists, Path usr) {
        this.cache = cache;
        this.runner = runner;
        this.inspector = inspector;
        this.aptLists = aptLists;
        this.usr = usr;
    }

    @Override
    public Optional<String> unsupported(KernelSource kernel, Architecture arch) {
        if (arch.debianFlavour().isEmpty()) {
            return Optional.of("Debian builds no kernel for " + arch.key());
        }
        Map<String, List<String>> ports = ports();
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

    /** The architectures of each suite apt knows, from the Release files it downloaded; read once per instance. */
    Map<String, List<String>> ports() {
        Map<String, List<String>> known = ports;
        if (known == null) {
            known = readPorts();
            ports = known;
        }
        return known;
    }

    private Map<String, List<String>> readPorts() {
        Map<String, List<String>> out = new TreeMap<>();
        inspector.inputs().see(aptLists);
        if (!Files.isDirectory(aptLists)) {
            return out;
        }
        try (var files = Files.list(aptLists)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith("_InRelease")
                            || p.getFileName().toString().endsWith("_Release"))
                    .sorted()
                    .toList()) {
                inspector.inputs().see(f);
                Map<String, String> fields = fields(Files.readString(f, StandardCharsets.ISO_8859_1));
                String codename = fields.getOrDefault("Codename", "");
                String archs = fields.getOrDefault("Architectures", "");
                if (!codename.isEmpty() && !archs.isEmpty() && !codename.contains("-")) {
                    out.computeIfAbsent(codename, c -> new ArrayList<>()).addAll(List.of(archs.split("\\s+")));
                }
            }
        } catch (IOException e) {
            return new TreeMap<>();
        }
        return out;
    }

    @Override
    public BootRoot image(KernelSource kernel, Architecture arch) {
        return boot.image(kernel, arch);
    }

    @Override
    public Optional<String> noBusybox(Architecture arch) {
        return boot.noBusybox(arch);
    }

    @Override
    public BootRoot busybox(Architecture arch) {
        return boot.busybox(arch);
    }

    CacheDirs cache() {
        return cache;
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
        String abi = kernel.path().equals("latest") ? latest(kernel, flavour, debArch) : kernel.path();
        String pkg = "linux-headers-" + abi + "-" + flavour;
        Path dir = cache.root().resolve("debian").resolve(pkg + "_" + debArch);
        Path tree = dir.resolve("root/usr/src").resolve(pkg);
        Optional<Tree> ready = ready(kernel, dir, tree);
        if (ready.isPresent()) {
            return ready.get();
        }
        requireEnabled(kernel, debArch);
        Files.createDirectories(dir.getParent());
        try (FileLock lock = FileLock.acquire(cache.locks().resolve("debian-" + pkg + "_" + debArch + ".lock"))) {
            ready = ready(kernel, dir, tree);
            if (ready.isPresent()) {
                return ready.get(); // another kforge fetched it while this one waited
            }
            return unpack(kernel, arch, pkg, dir, tree);
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

    private Tree unpack(KernelSource kernel, Architecture arch, String pkg, Path dir, Path tree)
            throws IOException, InterruptedException {
        Map<String, String> show = show(kernel, pkg + ":" + arch.debianArch());
        Path deb = download(kernel, pkg + ":" + arch.debianArch(), show);
        unpackInto(kernel, Optional.of(arch), deb, show, dir);
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
                Map<String, String> fields = fields(capture(List.of(
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
                unpackInto(kernel, Optional.empty(), deb, fields, dir);
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

    /**
     * Unpacks {@code deb} (fields: Package, Version, Architecture, Depends, SHA256) into a staging
     * directory, fixes it up (the -common tree, the host's kbuild), checks it, writes the marker
     * last and renames the whole into {@code dir}.
     */
    private void unpackInto(
            KernelSource kernel, Optional<Architecture> arch, Path deb, Map<String, String> fields, Path dir)
            throws IOException, InterruptedException {
        String pkg = fields.get("Package");
        Map<String, String> packages = new TreeMap<>();
        packages.put(
                pkg + ":" + fields.getOrDefault("Architecture", "?"),
                fields.get("Version") + " sha256:" + fields.get("SHA256"));
        Path staging = Files.createTempDirectory(dir.getParent(), dir.getFileName() + ".tmp-");
        try {
            run(
                    kernel,
                    List.of(
                            "dpkg-deb",
                            "-x",
                            deb.toString(),
                            staging.resolve("root").toString()),
                    staging);
            Path staged = staging.resolve("root/usr/src").resolve(pkg);
            String depends = fields.getOrDefault("Depends", "");
            Optional<Path> common = commonTree(kernel, depends, staging, dir, staged, packages);
            kbuildLinks(kernel, depends, staged);
            if (common.isPresent()) {
                kbuildLinks(kernel, depends, common.get());
            }
            check(kernel, arch, staged);
            Map<String, Object> marker = new LinkedHashMap<>();
            marker.put("packages", packages);
            Files.writeString(staging.resolve(MARKER), CanonicalJson.write(marker));
            FileTrees.swapIn(staging, dir);
            staging = null;
        } finally {
            if (staging != null) {
                FileTrees.deleteRecursively(staging);
            }
        }
    }

    /**
     * The tree's Makefile includes linux-headers-ABI-common by absolute path: the host's when it has
     * the same version installed, else one fetched and unpacked next to the tree (the include rewritten).
     */
    private Optional<Path> commonTree(
            KernelSource kernel, String depends, Path staging, Path dir, Path staged, Map<String, String> packages)
            throws IOException, InterruptedException {
        Matcher m =
                Pattern.compile("(linux-headers-\\S+-common) \\(= ([^)]+)\\)").matcher(depends);
        if (!m.find()) {
            return Optional.empty();
        }
        String common = m.group(1);
        String version = m.group(2);
        Path host = usr.resolve("src").resolve(common);
        Optional<String> installed = capture(List.of("dpkg-query", "-W", "-f=${Version}", common));
        if (Files.isRegularFile(host.resolve("Makefile"))
                && installed.filter(version::equals).isPresent()) {
            return Optional.empty();
        }
        Map<String, String> show = show(kernel, common + "=" + version);
        Path deb = download(kernel, common + "=" + version, show);
        packages.put(common, version + " sha256:" + show.get("SHA256"));
        run(
                kernel,
                List.of(
                        "dpkg-deb",
                        "-x",
                        deb.toString(),
                        staging.resolve("root").toString()),
                staging);
        Path finalCommon = dir.resolve("root/usr/src").resolve(common);
        Path makefile = staged.resolve("Makefile");
        Files.writeString(makefile, Files.readString(makefile).replace("/usr/src/" + common + "/", finalCommon + "/"));
        return Optional.of(staging.resolve("root/usr/src").resolve(common));
    }

    /** scripts and tools are relative links into linux-kbuild-X.Y: point them at the host's. */
    private void kbuildLinks(KernelSource kernel, String depends, Path staged) throws IOException {
        Matcher m = Pattern.compile("(linux-kbuild-[0-9.]+)").matcher(depends);
        String kbuild = m.find() ? m.group(1) : "linux-kbuild-" + kernelSeries(staged);
        Path host = usr.resolve("lib").resolve(kbuild);
        if (!Files.isDirectory(host.resolve("scripts"))) {
            throw KforgeException.environment(
                    "kernel '" + kernel.name() + "': Debian's headers need the host's " + kbuild
                            + " (its scripts and tools run on this machine for every architecture)",
                    "apt-get install " + kbuild);
        }
        for (String link : List.of("scripts", "tools")) {
            Path l = staged.resolve(link);
            Files.deleteIfExists(l);
            Files.createSymbolicLink(l, host.resolve(link));
        }
    }

    private static String kernelSeries(Path tree) {
        String name = tree.getFileName().toString(); // linux-headers-6.1.0-56-arm64
        Matcher m = Pattern.compile("linux-headers-(\\d+\\.\\d+)").matcher(name);
        return m.find() ? m.group(1) : "unknown";
    }

    /** What first use needs: a prepared headers tree for this arch (the inspector reads it), with Module.symvers. */
    private void check(KernelSource kernel, Optional<Architecture> arch, Path tree) throws IOException {
        List<String> problems = new ArrayList<>();
        try {
            KernelFacts facts = inspector.headers(kernel, tree);
            if (arch.isPresent()
                    && !facts.headersArch().equals(Optional.of(arch.get().key()))) {
                problems.add(".config is for " + facts.headersArch().orElse("no architecture") + ", not "
                        + arch.get().key());
            }
        } catch (KforgeException e) {
            problems.add(e.getMessage());
        }
        if (!Files.isRegularFile(tree.resolve("Module.symvers"))) {
            problems.add("no Module.symvers");
        }
        if (!problems.isEmpty()) {
            throw KforgeException.environment(
                    "kernel '" + kernel.name() + "': the unpacked " + tree.getFileName() + " is unusable: "
                            + String.join("; ", problems),
                    "check the Debian mirror apt uses; the package is not a kernel headers tree");
        }
    }

    /** apt's record of one package; an ABI apt cannot see is an environment error with the fix. */
    Map<String, String> show(KernelSource kernel, String pkg) throws InterruptedException {
        Optional<String> out = capture(List.of("apt-cache", "show", "--no-all-versions", pkg));
        Map<String, String> fields = out.map(DebianHeaders::fields).orElse(Map.of());
        if (!fields.containsKey("Version") || !fields.containsKey("SHA256")) {
            throw KforgeException.environment(
                    "kernel '" + kernel.name() + "': apt sees no " + pkg,
                    "run apt-get update; kforge kernels lists the Debian kernel ABIs apt can see");
        }
        return fields;
    }

    /** The .deb in the cache, downloaded when missing or not matching apt's digest (a torn download). */
    Path download(KernelSource kernel, String pkg, Map<String, String> show) throws IOException, InterruptedException {
        Path debs = Files.createDirectories(cache.root().resolve("debian/debs"));
        String file = Path.of(show.getOrDefault("Filename", pkg.replace(':', '_') + ".deb"))
                .getFileName()
                .toString();
        Path deb = debs.resolve(file);
        String want = show.get("SHA256");
        if (Files.isRegularFile(deb) && Digest.ofFile(deb).hex().equals(want)) {
            return deb;
        }
        Files.deleteIfExists(deb);
        Path tmp = Files.createTempDirectory(debs, "download-");
        try {
            String spec = pkg.contains("=") ? pkg : pkg + "=" + show.get("Version");
            run(kernel, List.of("apt-get", "download", "-q", "-o", "APT::Sandbox::User=root", spec), tmp);
            Path got;
            try (var s = Files.list(tmp)) {
                got = s.filter(p -> p.toString().endsWith(".deb"))
                        .findFirst()
                        .orElseThrow(() -> KforgeException.environment(
                                "kernel '" + kernel.name() + "': apt-get download " + spec + " wrote no .deb",
                                "check the network and apt's sources"));
            }
            String have = Digest.ofFile(got).hex();
            if (!have.equals(want)) {
                throw KforgeException.environment(
                        "kernel '" + kernel.name() + "': " + got.getFileName() + " has sha256 " + have + ", apt says "
                                + want,
                        "run apt-get update and try again; the mirror may be mid-sync");
            }
            Files.move(got, deb, StandardCopyOption.ATOMIC_MOVE);
            return deb;
        } finally {
            FileTrees.deleteRecursively(tmp);
        }
    }

    void requireEnabled(KernelSource kernel, String debArch) throws InterruptedException {
        String host =
                capture(List.of("dpkg", "--print-architecture")).orElse("").strip();
        if (debArch.equals(host)) {
            return;
        }
        List<String> foreign = capture(List.of("dpkg", "--print-foreign-architectures"))
                .map(s -> List.of(s.split("\\s+")))
                .orElse(List.of());
        if (!foreign.contains(debArch)) {
            throw KforgeException.environment(
                    "kernel '" + kernel.name() + "': dpkg architecture " + debArch
                            + " is not enabled, so apt cannot see Debian's " + debArch + " kernels",
                    "dpkg --add-architecture " + debArch
                            + " && apt-get update (this installs nothing; kforge only downloads "
                            + "and unpacks the headers)");
        }
    }

    /**
     * The ABI of the newest linux-headers-FLAVOUR:ARCH apt can see, remembered until apt's lists
     * change (apt-get update touches their directory), so a no-op build asks apt nothing.
     */
    String latest(KernelSource kernel, String flavour, String debArch) throws InterruptedException, IOException {
        Path memo = cache.root().resolve("debian").resolve("latest-" + flavour + "_" + debArch);
        inspector.inputs().seeAll(List.of(aptLists, memo));
        String stamp = Files.isDirectory(aptLists)
                ? Long.toString(Files.getLastModifiedTime(aptLists).toMillis())
                : "none";
        if (Files.isRegularFile(memo)) {
            String[] m = Files.readString(memo).strip().split(" ");
            if (m.length == 2 && m[0].equals(stamp)) {
                return m[1];
            }
        }
        requireEnabled(kernel, debArch);
        String abi = resolveLatest(kernel, flavour, debArch);
        Files.createDirectories(memo.getParent());
        Path tmp = Files.createTempFile(memo.getParent(), memo.getFileName().toString(), ".tmp");
        Files.writeString(tmp, stamp + " " + abi + "\n");
        Files.move(tmp, memo, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return abi;
    }

    private String resolveLatest(KernelSource kernel, String flavour, String debArch) throws InterruptedException {
        String meta = "linux-headers-" + flavour + ":" + debArch;
        Optional<String> out = capture(List.of("apt-cache", "depends", meta));
        Matcher m = Pattern.compile("Depends: linux-headers-(\\S+)-" + Pattern.quote(flavour) + "(?::\\S+)?")
                .matcher(out.orElse(""));
        if (!m.find()) {
            throw KforgeException.environment(
                    "kernel '" + kernel.name() + "': apt sees no " + meta + " to take the latest ABI from",
                    "run apt-get update; kforge kernels lists the Debian kernel ABIs apt can see");
        }
        return m.group(1);
    }

    /** The dpkg architectures apt fetches indexes for: the host's and the foreign ones enabled. */
    public List<String> enabledArches() throws InterruptedException {
        List<String> out = new ArrayList<>();
        capture(List.of("dpkg", "--print-architecture"))
                .map(String::strip)
                .filter(a -> !a.isEmpty())
                .ifPresent(out::add);
        capture(List.of("dpkg", "--print-foreign-architectures")).ifPresent(f -> {
            for (String a : f.split("\\s+")) {
                if (!a.isBlank()) {
                    out.add(a);
                }
            }
        });
        return out;
    }

    @Override
    public boolean serves(Architecture arch) throws InterruptedException {
        List<String> enabled = this.enabled;
        if (enabled == null) {
            enabled = enabledArches(); // two dpkg runs, once per listing
            this.enabled = enabled;
        }
        return enabled.contains(arch.debianArch());
    }

    /** The kernel ABIs apt can see for {@code arch}, oldest first. */
    @Override
    public List<String> abis(Architecture arch) throws InterruptedException {
        if (arch.debianFlavour().isEmpty()) {
            return List.of();
        }
        String flavour = arch.debianFlavour().get();
        Optional<String> out = capture(List.of(
                "apt-cache",
                "search",
                "--names-only",
                "^linux-headers-[0-9]+\\.[0-9]+\\.[0-9]+-[0-9]+-" + flavour + "$"));
        TreeSet<String> abis = new TreeSet<>(Comparator.comparing(VersionOrder::key));
        Matcher m = Pattern.compile("^linux-headers-(\\S+)-" + Pattern.quote(flavour) + " ", Pattern.MULTILINE)
                .matcher(out.orElse(""));
        while (m.find()) {
            abis.add(m.group(1));
        }
        return List.copyOf(abis);
    }

    void run(KernelSource kernel, List<String> argv, Path cwd) throws InterruptedException {
        ProcessResult r;
        try {
            r = runner.run(ProcessSpec.capture(argv, cwd));
        } catch (IOException e) {
            throw KforgeException.environment(
                    "kernel '" + kernel.name() + "': cannot run " + argv.get(0) + ": " + e.getMessage(),
                    "kforge doctor names the package");
        }
        if (!r.succeeded()) {
            String out = r.output().strip();
            throw KforgeException.environment(
                    "kernel '" + kernel.name() + "': " + String.join(" ", argv) + " failed: "
                            + out.substring(Math.max(0, out.length() - 500)),
                    "check the network and apt's sources (apt-get update)");
        }
    }

    Optional<String> capture(List<String> argv) throws InterruptedException {
        try {
            ProcessResult r = runner.run(ProcessSpec.capture(argv, Path.of("/")));
            return r.succeeded() ? Optional.of(r.output()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The fields of an apt or dpkg record; mutable for the caller. */
    static Map<String, String> fields(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = FIELD.matcher(text);
        while (m.find()) {
            out.putIfAbsent(m.group(1), m.group(2).strip());
        }
        return out;
    }
}
