package dev.kforge.kbuild;

import dev.kforge.core.KforgeException;
import dev.kforge.core.cache.CacheDirs;
import dev.kforge.core.cache.FileLock;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.digest.DigestMemo;
import dev.kforge.core.digest.Fingerprint;
import dev.kforge.core.digest.InputLog;
import dev.kforge.core.exec.ProcessResult;
import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.exec.ProcessSpec;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.fs.Staging;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.KernelInspector;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.ToolchainFamily;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;

/**
 * Reads kernels from disk: prepared headers trees as they are, source tarballs extracted once
 * into the cache (keyed by the tarball's digest), source directories in place.
 */
public final class KbuildKernelInspector implements KernelInspector {

    private static final Pattern MAKE_VAR =
            Pattern.compile("^(VERSION|PATCHLEVEL|SUBLEVEL|EXTRAVERSION)[ \\t]*=[ \\t]*(.*)$", Pattern.MULTILINE);
    /** A kernel tarball extracts in about 20 s here; far longer means a stuck disk or a wrong file. */
    static final Duration EXTRACT_TIMEOUT = Duration.ofMinutes(10);

    private final CacheDirs cache;
    private final DigestMemo memo;
    private final ProcessRunner runner;
    private final Catalog catalog;
    private final Map<Path, Path> extracted = new ConcurrentHashMap<>();
    private final InputLog inputs;

    public KbuildKernelInspector(CacheDirs cache, ProcessRunner runner, Catalog catalog) {
        this(cache, runner, catalog, new DigestMemo(cache.digests()));
    }

    /** @param memo the run's stat cache, shared with the build so its table is read once */
    public KbuildKernelInspector(CacheDirs cache, ProcessRunner runner, Catalog catalog, DigestMemo memo) {
        this(cache, runner, catalog, memo, new InputLog());
    }

    /** @param inputs where planning's reads of kernel files are recorded (for the plan cache) */
    public KbuildKernelInspector(
            CacheDirs cache, ProcessRunner runner, Catalog catalog, DigestMemo memo, InputLog inputs) {
        this.inputs = inputs;
        this.cache = cache;
        this.memo = memo;
        this.runner = runner;
        this.catalog = catalog;
    }

    @Override
    public InputLog inputs() {
        return inputs;
    }

    @Override
    public KernelFacts inspect(KernelSource kernel, Path workspace) {
        Path path = KernelPaths.resolve(kernel.path(), workspace, kernel.name(), inputs);
        try {
            return kernel.kind() == KernelSource.Kind.HEADERS ? headers(kernel, path) : source(kernel, path);
        } catch (IOException e) {
            throw KforgeException.environment(
                    "kernel '" + kernel.name() + "': cannot read " + path + ": " + e.getMessage(),
                    "check that the kernel files are readable");
        }
    }

    @Override
    public Path sourceDir(KernelSource kernel, Path workspace) {
        Path path = KernelPaths.resolve(kernel.path(), workspace, kernel.name(), inputs);
        if (kernel.kind() == KernelSource.Kind.HEADERS || Files.isDirectory(path)) {
            return path;
        }
        try {
            return extract(kernel, path);
        } catch (IOException e) {
            throw KforgeException.environment(
                    "kernel '" + kernel.name() + "': cannot extract " + path + ": " + e.getMessage(),
                    "check free space in " + cache.sources());
        }
    }

    @Override
    public KernelFacts headers(KernelSource kernel, Path tree) throws IOException {
        Path config = tree.resolve(".config");
        Path uts = tree.resolve("include/generated/utsrelease.h");
        Path symvers = tree.resolve("Module.symvers");
        inputs.seeAll(List.of(tree, config, uts, tree.resolve("Makefile"), symvers));
        if (!Files.isRegularFile(config)
                || !Files.isRegularFile(uts)
                || !Files.isRegularFile(tree.resolve("Makefile"))) {
            throw KforgeException.environment(
                    "kernel '" + kernel.name() + "': " + tree + " is not a prepared kernel tree "
                            + "(needs Makefile, .config and include/generated/utsrelease.h)",
                    "name a tree such as /usr/src/linux-headers-*-amd64, or use source = ... so kforge prepares one");
        }
        KernelConfig cfg = KernelConfig.read(config);
        String srcArch = cfg.srcArch()
                .orElseThrow(() -> KforgeException.environment(
                        "kernel '" + kernel.name() + "': " + config + " does not say which architecture it is for",
                        "regenerate the tree's .config with make olddefconfig"));
        String arch = archKey(srcArch, cfg);
        ToolchainFamily family = cfg.enabled("CONFIG_CC_IS_CLANG") ? ToolchainFamily.LLVM : ToolchainFamily.GCC;
        String release = KernelConfig.utsRelease(tree)
                .orElseThrow(() ->
                        KforgeException.environment("kernel '" + kernel.name() + "': no UTS_RELEASE in " + uts, ""));
        // Through the stat cache: Debian's Module.symvers is megabytes, read on every run otherwise.
        Fingerprint id =
                new Fingerprint("kforge-headers", 1).add(memo.of(config)).add(memo.of(uts));
        id.add(Files.isRegularFile(symvers) ? memo.of(symvers).hex() : "no Module.symvers");
        memo.flush();
        SortedSet<String> rust = new TreeSet<>();
        if (cfg.enabled("CONFIG_RUST")) {
            rust.add(catalog.requireArch(arch).kernelArch());
        }
        return new KernelFacts(
                kernel.name(),
                KernelSource.Kind.HEADERS,
                cfg.version().orElse("unknown"),
                id.digest(),
                Optional.of(arch),
                Optional.of(family),
                Optional.of(release),
                rust,
                cfg.options());
    }

    /** Headers trees say "x86" for both x86_64 and i386; 64BIT tells them apart. */
    private String archKey(String srcArch, KernelConfig cfg) {
        boolean is64 = cfg.enabled("CONFIG_64BIT");
        List<Architecture> candidates = catalog.arches().stream()
                .filter(a -> a.srcArch().equals(srcArch))
                .toList();
        if (candidates.isEmpty()) {
            throw KforgeException.environment(
                    "kernel tree for architecture '" + srcArch + "' is not in kforge's catalog",
                    "kforge list arches shows the supported ones");
        }
        if (candidates.size() == 1) {
            return candidates.get(0).key();
        }
        return candidates.stream()
                .filter(a -> is64 == (a.elfMachine() == 62 || a.key().endsWith("64")))
                .findFirst()
                .orElse(candidates.get(0))
                .key();
    }

    /** A kernel source tree has a top-level Makefile and arch/; anything else is named, not hashed. */
    private static void requireSourceTree(KernelSource kernel, Path path, Path dir) {
        if (!Files.isRegularFile(dir.resolve("Makefile")) || !Files.isDirectory(dir.resolve("arch"))) {
            throw KforgeException.environment(
                    "kernel '" + kernel.name() + "': " + path + " is not a kernel source tree (no top-level Makefile "
                            + "and arch/)",
                    "name linux-source-*.tar.xz or a directory holding the kernel's top-level Makefile");
        }
    }

    private KernelFacts source(KernelSource kernel, Path path) throws IOException {
        Digest identity;
        Path dir;
        if (Files.isDirectory(path)) {
            dir = path;
            inputs.see(dir); // its Makefile and arch/ are seen below, for both kinds of source
            requireSourceTree(kernel, path, dir);
            Fingerprint f = new Fingerprint("kforge-source-dir", 1).add(Digest.ofFile(dir.resolve("Makefile")));
            for (Path k : new RustArches(catalog, cache, inputs).archKconfigs(dir)) {
                f.add(dir.relativize(k).toString()).add(Digest.ofFile(k));
            }
            identity = f.digest();
        } else {
            inputs.see(path);
            identity = memo.of(path);
            memo.flush();
            dir = extract(kernel, path);
        }
        inputs.seeAll(List.of(dir.resolve("Makefile"), dir.resolve("arch")));
        requireSourceTree(kernel, path, dir);
        return new KernelFacts(
                kernel.name(),
                KernelSource.Kind.SOURCE,
                version(dir.resolve("Makefile")),
                identity,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                new RustArches(catalog, cache, inputs).of(dir),
                new TreeMap<>());
    }

    static String version(Path makefile) throws IOException {
        String head = Files.readString(makefile);
        head = head.substring(0, Math.min(head.length(), 4096));
        Map<String, String> v = new TreeMap<>();
        Matcher m = MAKE_VAR.matcher(head);
        while (m.find()) {
            v.putIfAbsent(m.group(1), m.group(2).strip());
        }
        if (!v.containsKey("VERSION") || !v.containsKey("PATCHLEVEL")) {
            throw KforgeException.environment(makefile + " has no VERSION/PATCHLEVEL", "is this a kernel source tree?");
        }
        return v.get("VERSION") + "." + v.get("PATCHLEVEL") + "." + v.getOrDefault("SUBLEVEL", "0")
                + v.getOrDefault("EXTRAVERSION", "");
    }

    /** Extracts a tarball once into the cache; concurrent runs wait for the first. */
    private Path extract(KernelSource kernel, Path tarball) throws IOException {
        Path done = extracted.get(tarball);
        if (done != null) {
            return done;
        }
        inputs.see(tarball);
        Digest d = memo.of(tarball);
        Path target = cache.sources().resolve(d.prefix(16));
        Path marker = target.resolve(".kforge-extracted");
        inputs.seeAll(List.of(target, marker));
        try (FileLock lock = FileLock.acquire(cache.locks().resolve("source-" + d.prefix(16) + ".lock"))) {
            if (!Files.isRegularFile(marker)) {
                Files.createDirectories(cache.sources());
                Path tmp = Staging.dir(cache.sources(), d.prefix(16) + ".tmp-");
                LoggerFactory.getLogger(KbuildKernelInspector.class)
                        .info("extracting {} into {} (once; about 20 s)", tarball, target);
                ProcessResult r = runner.run(new ProcessSpec(
                        List.of("tar", "-xf", tarball.toString(), "-C", tmp.toString()),
                        new TreeMap<>(),
                        tmp,
                        Optional.empty(),
                        Optional.of(EXTRACT_TIMEOUT)));
                if (r.timedOut()) {
                    FileTrees.deleteRecursively(tmp);
                    throw KforgeException.environment(
                            "kernel '" + kernel.name() + "': extracting " + tarball + " took longer than "
                                    + EXTRACT_TIMEOUT.toMinutes() + " minutes and was stopped",
                            "check the disk under " + cache.sources() + " (a slow or full disk), then run again");
                }
                if (!r.succeeded()) {
                    FileTrees.deleteRecursively(tmp);
                    throw KforgeException.environment(
                            "kernel '" + kernel.name() + "': tar could not extract " + tarball + ": "
                                    + r.output().strip(),
                            "check the tarball and free space in " + cache.sources());
                }
                Path top;
                try (Stream<Path> s = Files.list(tmp)) {
                    List<Path> entries = s.filter(Files::isDirectory).toList();
                    top = entries.size() == 1 ? entries.get(0) : tmp;
                }
                if (Files.exists(target)) {
                    FileTrees.deleteRecursively(target);
                }
                Files.move(top, target, StandardCopyOption.ATOMIC_MOVE);
                if (!top.equals(tmp)) {
                    FileTrees.deleteRecursively(tmp);
                }
                Files.writeString(marker, tarball.getFileName() + "\n");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KforgeException(KforgeException.Kind.INTERRUPTED, "interrupted while extracting " + tarball, "");
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        extracted.put(tarball, target);
        return target;
    }
}
