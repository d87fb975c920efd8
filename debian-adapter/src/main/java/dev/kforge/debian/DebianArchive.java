package dev.kforge.debian;

import dev.kforge.core.KforgeException;
import dev.kforge.core.cache.CacheDirs;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.digest.InputLog;
import dev.kforge.core.exec.ProcessResult;
import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.exec.ProcessSpec;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.fs.Staging;
import dev.kforge.core.kernel.VersionOrder;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.report.Reports;
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
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's archive as the host's apt and dpkg see it: which ports each suite has, which
 * architectures are enabled, a package's record, the newest ABI of a flavour, and downloads checked
 * against apt's sha256 into the user cache. Never installs anything.
 */
final class DebianArchive {

    private static final Pattern FIELD = Pattern.compile("^([A-Za-z0-9-]+): (.*)$", Pattern.MULTILINE);

    private final CacheDirs cache;
    private final ProcessRunner runner;
    private final InputLog inputs;
    private final Path aptLists;
    private final Optional<SuiteApt> suiteApt;
    private final Optional<String> suite;
    private volatile Map<String, List<String>> ports;
    private volatile List<String> enabled;
    private final Map<String, List<String>> abisByArch = new ConcurrentHashMap<>();

    /** @param inputs where planning's reads are recorded (apt's lists, the latest-ABI memo) */
    DebianArchive(CacheDirs cache, ProcessRunner runner, InputLog inputs, Path aptLists) {
        this(cache, runner, inputs, aptLists, Optional.empty(), Optional.empty());
    }

    private DebianArchive(
            CacheDirs cache,
            ProcessRunner runner,
            InputLog inputs,
            Path aptLists,
            Optional<SuiteApt> suiteApt,
            Optional<String> suite) {
        this.cache = cache;
        this.runner = runner;
        this.inputs = inputs;
        this.aptLists = aptLists;
        this.suiteApt = suiteApt;
        this.suite = suite;
    }

    /** The archive of one suite through kforge's private apt for it (the host's apt is not asked). */
    DebianArchive suite(SuiteApt apt, String name) {
        return new DebianArchive(cache, runner, inputs, apt.lists(name), Optional.of(apt), Optional.of(name));
    }

    /** The suite this archive reads, when it is not the host's apt. */
    Optional<String> suiteName() {
        return suite;
    }

    /** apt-get or apt-cache with this archive's options (a suite's private state), then {@code args}. */
    private List<String> apt(String tool, String... args) {
        List<String> argv = new ArrayList<>(List.of(tool));
        suiteApt.ifPresent(a -> argv.addAll(a.options(suite.orElseThrow(), a.arches(suite.orElseThrow()))));
        argv.addAll(List.of(args));
        return argv;
    }

    /** For a suite: its lists fetched (when missing or stale) for {@code debArches}. Nothing for the host's apt. */
    void ensure(Set<String> debArches) throws InterruptedException {
        if (suiteApt.isPresent() && suiteApt.get().ensure(suite.orElseThrow(), debArches, inputs)) {
            ports = null;
            enabled = null;
            abisByArch.clear();
        }
    }

    CacheDirs cache() {
        return cache;
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
        inputs.see(aptLists);
        if (!Files.isDirectory(aptLists)) {
            return out;
        }
        try (var files = Files.list(aptLists)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith("_InRelease")
                            || p.getFileName().toString().endsWith("_Release"))
                    .sorted()
                    .toList()) {
                inputs.see(f);
                Map<String, String> fields = fields(Files.readString(f, StandardCharsets.ISO_8859_1));
                String codename = fields.getOrDefault("Codename", "");
                String archs = fields.getOrDefault("Architectures", "");
                // The host's lists hold -updates and -security beside the suite; a suite's own lists hold only it.
                if (!codename.isEmpty() && !archs.isEmpty() && (suite.isPresent() || !codename.contains("-"))) {
                    out.computeIfAbsent(codename, c -> new ArrayList<>()).addAll(List.of(archs.split("\\s+")));
                }
            }
        } catch (IOException e) {
            return new TreeMap<>();
        }
        return out;
    }

    /** apt's record of one package; an ABI apt cannot see is an environment error with the fix. */
    Map<String, String> show(KernelSource kernel, String pkg) throws InterruptedException {
        return known(pkg)
                .orElseThrow(() -> KforgeException.environment(
                        "kernel '" + kernel.name() + "': "
                                + suite.map(s -> "Debian " + s).orElse("apt") + " sees no " + pkg,
                        (suite.isPresent() ? "" : "run apt-get update; ")
                                + "kforge kernels lists the Debian kernel ABIs apt can see"));
    }

    /** apt's record of one package ({@code NAME:ARCH}) with a version and digest to download, if this archive has it. */
    Optional<Map<String, String>> known(String pkg) throws InterruptedException {
        Optional<String> out = capture(apt("apt-cache", "show", "--no-all-versions", pkg));
        Map<String, String> fields = out.map(DebianArchive::fields).orElse(Map.of());
        return fields.containsKey("Version") && fields.containsKey("SHA256") ? Optional.of(fields) : Optional.empty();
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
        Path tmp = Staging.dir(debs, "download-");
        try {
            String spec = pkg.contains("=") ? pkg : pkg + "=" + show.get("Version");
            run(kernel, apt("apt-get", "download", "-q", "-o", "APT::Sandbox::User=root", spec), tmp);
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
        if (suiteApt.isPresent()) {
            ensure(Set.of(debArch)); // a suite's private apt takes any architecture: no dpkg setting needed
            return;
        }
        if (!enabled().contains(debArch)) {
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
        inputs.seeAll(List.of(aptLists, memo));
        String stamp = listsStamp();
        if (Files.isRegularFile(memo)) {
            String[] m = Files.readString(memo).strip().split(" ");
            if (m.length == 2 && m[0].equals(stamp)) {
                return m[1];
            }
        }
        requireEnabled(kernel, debArch);
        String abi = resolveLatest(kernel, flavour, debArch);
        Reports.writeAtomically(memo, stamp + " " + abi + "\n");
        return abi;
    }

    /** What apt-get update changes when it brings new lists: their directory's modification time. */
    private String listsStamp() throws IOException {
        return Files.isDirectory(aptLists)
                ? Long.toString(Files.getLastModifiedTime(aptLists).toMillis())
                : "none";
    }

    private String resolveLatest(KernelSource kernel, String flavour, String debArch) throws InterruptedException {
        String meta = "linux-headers-" + flavour + ":" + debArch;
        Optional<String> out = capture(apt("apt-cache", "depends", meta));
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

    /** The end of a tool's output, whole lines only (at most 8, about 500 characters). */
    static String lastLines(String output) {
        List<String> lines = output.strip().lines().toList();
        StringBuilder out = new StringBuilder();
        for (int i = lines.size() - 1; i >= 0 && lines.size() - i <= 8; i--) {
            if (out.length() > 0 && out.length() + lines.get(i).length() > 500) {
                break;
            }
            out.insert(0, lines.get(i) + (out.length() > 0 ? "\n" : ""));
        }
        return out.toString();
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
            throw KforgeException.environment(
                    "kernel '" + kernel.name() + "': " + String.join(" ", argv) + " failed: " + lastLines(r.output()),
                    argv.get(0).equals("dpkg-deb")
                            ? "the .deb is damaged or incomplete: fetch it again and compare its sha256 "
                                    + "(dpkg-deb --info FILE reads a whole one)"
                            : "check the network and apt's sources (apt-get update)");
        }
    }

    /** What {@code argv} printed, whatever its exit status; empty when it could not be run. */
    Optional<String> captureAll(List<String> argv) throws InterruptedException {
        return result(argv).map(ProcessResult::output);
    }

    /** What {@code argv} printed when it succeeded. */
    Optional<String> capture(List<String> argv) throws InterruptedException {
        return result(argv).filter(ProcessResult::succeeded).map(ProcessResult::output);
    }

    private Optional<ProcessResult> result(List<String> argv) throws InterruptedException {
        try {
            return Optional.of(runner.run(ProcessSpec.capture(argv, Path.of("/"))));
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
    /** Whether apt sees Debian's kernels for {@code arch}: its dpkg architecture is enabled (asked once). */
    boolean serves(Architecture arch) throws InterruptedException {
        return enabled().contains(arch.debianArch());
    }

    /** {@link #enabledArches}, asked of dpkg once per instance (they do not change during a run). */
    private List<String> enabled() throws InterruptedException {
        if (suiteApt.isPresent()) {
            return List.copyOf(suiteApt.get().arches(suite.orElseThrow()));
        }
        List<String> known = enabled;
        if (known == null) {
            known = enabledArches();
            enabled = known;
        }
        return known;
    }

    /** An ABI as it appears in linux-headers-ABI-FLAVOUR: 6.1.0-57, 5.10.0-32, 7.3.4+deb13, 7.3. */
    static final String ABI = "\\d+\\.\\d+(?:\\.\\d+)?(?:-\\d+|\\+[a-z0-9.]+)?";

    /**
     * The kernel ABIs apt can see for {@code arch}, oldest first (a suite's lists fetched first);
     * remembered on disk until the lists change, so a no-op of a sweep over many suites asks apt nothing.
     */
    public List<String> abis(Architecture arch) throws InterruptedException {
        if (arch.debianFlavour().isEmpty()) {
            return List.of();
        }
        ensure(Set.of(arch.debianArch()));
        List<String> known = abisByArch.get(arch.debianArch());
        if (known != null) {
            return known;
        }
        String flavour = arch.debianFlavour().get();
        Path memo = cache.root()
                .resolve("debian/abis")
                .resolve(suite.orElse("host") + "-" + flavour + "_" + arch.debianArch());
        inputs.seeAll(List.of(aptLists, memo));
        String stamp;
        try {
            stamp = listsStamp();
            if (Files.isRegularFile(memo)) {
                List<String> lines = Files.readAllLines(memo);
                if (!lines.isEmpty() && lines.get(0).equals(stamp)) {
                    List<String> found = List.copyOf(lines.subList(1, lines.size()));
                    abisByArch.put(arch.debianArch(), found);
                    return found;
                }
            }
        } catch (IOException e) {
            stamp = "none"; // no memo: ask apt
        }
        Optional<String> out = capture(
                apt("apt-cache", "search", "--names-only", "^linux-headers-[0-9]+\\.[0-9]+.*-" + flavour + "$"));
        TreeSet<String> abis = new TreeSet<>(Comparator.comparing(VersionOrder::key));
        Matcher m = Pattern.compile("^linux-headers-(" + ABI + ")-" + Pattern.quote(flavour) + " ", Pattern.MULTILINE)
                .matcher(out.orElse(""));
        while (m.find()) {
            abis.add(m.group(1));
        }
        List<String> found = List.copyOf(abis);
        abisByArch.put(arch.debianArch(), found);
        if (out.isPresent() && !stamp.equals("none")) {
            try {
                Reports.writeAtomically(memo, stamp + "\n" + String.join("\n", found) + (found.isEmpty() ? "" : "\n"));
            } catch (IOException e) {
                // not remembered: the next run asks apt again
            }
        }
        return found;
    }
}
