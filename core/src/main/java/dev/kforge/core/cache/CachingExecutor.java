package dev.kforge.core.cache;

import dev.kforge.core.KforgeException;
import dev.kforge.core.cache.StepKeys.StepKey;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.digest.DigestMemo;
import dev.kforge.core.exec.Diagnostic;
import dev.kforge.core.exec.StepExecutor;
import dev.kforge.core.exec.StepResult;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.json.CanonicalJson;
import dev.kforge.core.plan.Planner;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves cacheable steps from a {@link StepCache}: on a hit the step's outputs are restored
 * (verified blob by blob, published by rename) and no process runs; on a miss the step runs and
 * a successful result is stored. A BUILD step's outputs are its out/ directory and the
 * Module.symvers that dependent drivers read from its build directory.
 */
public final class CachingExecutor implements StepExecutor {

    /** Logical output names: files of the step's out/ directory, executables marked so restores keep the bit. */
    static final String OUT = "out/";

    static final String OUT_EXECUTABLE = "out+x/";

    private static final Logger LOG = LoggerFactory.getLogger(CachingExecutor.class);

    private final StepExecutor delegate;
    private final StepCache cache;
    private final Roots roots;
    private final Map<String, StepKey> keys;
    private final boolean lookup;
    private final Map<String, List<Step>> deferredPrepares;
    private final Optional<DigestMemo> memo;
    private final Map<String, String> signedBy;

    /**
     * @param lookup false for --no-cache: always run, from an empty build directory; still store
     * @param deferredPrepares for steps whose tree steps (preparation, Module.symvers) were left out because they were
     *     expected to hit: the prepare step to run first should the restore fail after all
     */
    public CachingExecutor(
            StepExecutor delegate,
            StepCache cache,
            Roots roots,
            Map<String, StepKey> keys,
            boolean lookup,
            Map<String, List<Step>> deferredPrepares) {
        this(delegate, cache, roots, keys, lookup, deferredPrepares, Optional.empty());
    }

    /**
     * @param memo the run's stat cache: with it, outputs already in place with the entry's digests
     *     (a no-op run) are left as they are instead of being restored again
     */
    public CachingExecutor(
            StepExecutor delegate,
            StepCache cache,
            Roots roots,
            Map<String, StepKey> keys,
            boolean lookup,
            Map<String, List<Step>> deferredPrepares,
            Optional<DigestMemo> memo) {
        this(delegate, cache, roots, keys, lookup, deferredPrepares, memo, Map.of());
    }

    /**
     * @param signedBy the SIGN step of each signed cell's BUILD step, by step id (both are the cell's,
     *     per the plan): a no-op leaves a signed out/ alone when it holds exactly that signature's outputs
     */
    public CachingExecutor(
            StepExecutor delegate,
            StepCache cache,
            Roots roots,
            Map<String, StepKey> keys,
            boolean lookup,
            Map<String, List<Step>> deferredPrepares,
            Optional<DigestMemo> memo,
            Map<String, String> signedBy) {
        this.memo = memo;
        this.signedBy = Map.copyOf(signedBy);
        this.delegate = delegate;
        this.cache = cache;
        this.roots = roots;
        this.keys = Map.copyOf(keys);
        this.lookup = lookup;
        this.deferredPrepares = Map.copyOf(deferredPrepares);
    }

    @Override
    public StepResult execute(Step step) throws InterruptedException {
        StepKey key = keys.get(step.id());
        if (key == null) {
            return delegate.execute(step);
        }
        // Two kforge processes building the same workspace take turns per cell: the second finds
        // the first one's result in the cache instead of deleting its build directory mid-build.
        if (step.attributes().containsKey("buildDir")) {
            try (FileLock lock = FileLock.acquire(Path.of(roots.path(step.attribute("buildDir")) + ".lock"))) {
                return executeLocked(step, key);
            }
        }
        return executeLocked(step, key);
    }

    private StepResult executeLocked(Step step, StepKey key) throws InterruptedException {
        long start = System.nanoTime();
        try {
            if (lookup) {
                Optional<StepCache.ActionEntry> entry = cache.lookup(key.key());
                if (entry.isPresent() && restore(step, entry.get())) {
                    StepResult stored = parse(step.id(), entry.get().result());
                    return new StepResult(
                            step.id(),
                            StepStatus.CACHED,
                            Duration.ofNanos(System.nanoTime() - start),
                            stored.message(),
                            stored.diagnostics(),
                            stored.details());
                }
            }
            for (Step prepare : deferredPrepares.getOrDefault(step.id(), List.of())) {
                StepResult p = delegate.execute(prepare);
                if (!p.status().ok()) {
                    return new StepResult(
                            step.id(),
                            StepStatus.FAILED,
                            p.duration(),
                            "tree preparation failed: " + prepare.id() + ": " + p.message(),
                            p.diagnostics(),
                            p.details());
                }
            }
            if (!lookup && step.kind() == Step.Kind.BUILD) {
                // --no-cache builds from scratch: a cell's kept build directory (Kbuild's incremental state) goes too.
                Path buildDir = roots.path(step.attribute("buildDir"));
                if (Files.exists(buildDir)) {
                    FileTrees.deleteRecursively(buildDir);
                }
            }
            StepResult r = delegate.execute(step);
            if (r.status() == StepStatus.BUILT) {
                store(step, key, r);
            }
            return r;
        } catch (IOException e) {
            throw KforgeException.environment(
                    step.id() + ": step cache: " + e.getMessage(),
                    "check free space in the cache directory, or run with --no-cache");
        }
    }

    private boolean restore(Step step, StepCache.ActionEntry entry) throws IOException {
        if (inPlace(step, entry) || signedInPlace(step)) {
            return true;
        }
        Optional<Path> outDir = outDir(step);
        Path tmp = null;
        if (outDir.isPresent()) {
            tmp = FileTrees.stagingFor(outDir.get());
        }
        try {
            for (Map.Entry<String, Digest> o : entry.outputs().entrySet()) {
                Path target = target(step, o.getKey(), tmp);
                if (!cache.fetch(o.getValue(), target)) {
                    LOG.warn(
                            "{}: cache blob {} missing or corrupt; rebuilding",
                            step.id(),
                            o.getValue().prefix(12));
                    return false;
                }
                if (o.getKey().startsWith(OUT_EXECUTABLE) && !target.toFile().setExecutable(true, false)) {
                    return false;
                }
            }
            if (outDir.isPresent()) {
                FileTrees.swapIn(tmp, outDir.get());
                tmp = null;
            }
            return true;
        } finally {
            if (tmp != null) {
                FileTrees.deleteRecursively(tmp);
            }
        }
    }

    /**
     * Whether a cell's out/ already holds the signed result of exactly this build: its SIGN step
     * (keyed on this build's key and the certificate) has a cache entry whose outputs are in place.
     * Restoring the unsigned modules only for the SIGN step to restore the signed ones over them
     * again was most of a signed workspace's no-op.
     */
    private boolean signedInPlace(Step step) throws IOException {
        if (memo.isEmpty()) {
            return false;
        }
        StepKey sign = keys.get(signedBy.getOrDefault(step.id(), ""));
        if (sign == null) {
            return false;
        }
        Optional<StepCache.ActionEntry> signed = cache.lookup(sign.key());
        return signed.isPresent()
                && signed.get().outputs().keySet().stream().allMatch(n -> n.startsWith(OUT))
                && inPlace(step, signed.get());
    }

    /**
     * Whether every output of the entry is already where a restore would put it, with the entry's
     * digest (read through the stat cache, so an unchanged file is not read) and executable bit,
     * and the step's out/ directory holds nothing else (but the test log a TEST step writes there).
     */
    private boolean inPlace(Step step, StepCache.ActionEntry entry) throws IOException {
        if (memo.isEmpty() || entry.outputs().isEmpty()) {
            return false;
        }
        Optional<Path> outDir = outDir(step);
        Set<Path> expected = new HashSet<>();
        for (Map.Entry<String, Digest> o : entry.outputs().entrySet()) {
            boolean inOut = o.getKey().startsWith(OUT) || o.getKey().startsWith(OUT_EXECUTABLE);
            if (inOut && outDir.isEmpty()) {
                return false;
            }
            Path target = target(step, o.getKey(), outDir.orElse(null));
            if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)
                    || (o.getKey().startsWith(OUT_EXECUTABLE) && !Files.isExecutable(target))
                    || !memo.get().of(target).equals(o.getValue())) {
                return false;
            }
            if (inOut) {
                expected.add(target);
            }
        }
        if (outDir.isPresent()) {
            if (!Files.isDirectory(outDir.get())) {
                return expected.isEmpty();
            }
            try (Stream<Path> s = Files.walk(outDir.get())) {
                return s.filter(f -> !Files.isDirectory(f))
                        .allMatch(f -> expected.contains(f)
                                || (f.getParent().equals(outDir.get())
                                        && f.getFileName().toString().equals("test.log")));
            }
        }
        return true;
    }

    private void store(Step step, StepKey key, StepResult r) throws IOException {
        SortedMap<String, Path> outputs = new TreeMap<>();
        Optional<Path> outDir = outDir(step);
        if (outDir.isPresent() && Files.isDirectory(outDir.get())) {
            Path meta = outDir.get().resolve("metadata.json");
            if (Files.isRegularFile(meta)) {
                addProvenance(meta, key);
            }
            try (Stream<Path> s = Files.walk(outDir.get())) {
                for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                    outputs.put(
                            (Files.isExecutable(f) ? OUT_EXECUTABLE : OUT)
                                    + outDir.get().relativize(f),
                            f);
                }
            }
        }
        if (step.kind() == Step.Kind.SYMVERS) {
            Path tree = roots.path(step.attribute("tree"));
            outputs.put("tree/Module.symvers", tree.resolve("Module.symvers"));
            Path boot = tree.resolve(Planner.BOOT_DIR);
            if (Files.isDirectory(boot)) { // a bootable kernel's image and installed modules
                try (Stream<Path> s = Files.walk(boot)) {
                    for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                        outputs.put("tree/" + tree.relativize(f), f);
                    }
                }
            }
        }
        if (step.kind() == Step.Kind.TEST) {
            outputs.put("test/log", roots.path(step.attribute("testLog")));
        }
        if (step.kind() == Step.Kind.BUILD) {
            Path symvers = roots.path(step.attribute("buildDir")).resolve("Module.symvers");
            if (Files.isRegularFile(symvers)) {
                outputs.put("build/Module.symvers", symvers);
            }
        }
        cache.store(key.key(), outputs, CanonicalJson.write(toTree(r)));
    }

    /** metadata.json records the step key and the digest of every input, for provenance. */
    private static void addProvenance(Path meta, StepKey key) throws IOException {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = new TreeMap<>((Map<String, Object>) CanonicalJson.read(Files.readString(meta)));
        // A SIGN step adds to what its build recorded: both keys, and the inputs of both (the driver's and the
        // certificate).
        if (m.get("stepKey") instanceof String buildKey
                && m.get("signing") != null
                && !buildKey.equals(key.key().hex())) {
            m.putIfAbsent("buildStepKey", buildKey);
        }
        Map<String, Object> inputs = new TreeMap<>();
        if (m.get("inputs") instanceof Map<?, ?> earlier && m.get("signing") != null) {
            earlier.forEach((k, v) -> inputs.put(String.valueOf(k), v));
        }
        inputs.putAll(key.inputs());
        m.put("stepKey", key.key().hex());
        m.put("inputs", inputs);
        Path tmp = Files.createTempFile(meta.getParent(), ".metadata", ".tmp");
        Files.writeString(tmp, CanonicalJson.write(m));
        Files.move(tmp, meta, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private Optional<Path> outDir(Step step) {
        return Optional.ofNullable(step.attributes().get("outDir")).map(roots::path);
    }

    private Path target(Step step, String name, Path tmpOut) {
        if (name.startsWith(OUT)) {
            return tmpOut.resolve(name.substring(OUT.length()));
        }
        if (name.startsWith(OUT_EXECUTABLE)) {
            return tmpOut.resolve(name.substring(OUT_EXECUTABLE.length()));
        }
        if (name.startsWith("tree/")) {
            Path tree = roots.path(step.attribute("tree"));
            Path target = tree.resolve(name.substring("tree/".length())).normalize();
            if (!target.startsWith(tree)) {
                throw new IllegalStateException("cached output " + name + " leaves its tree");
            }
            return target;
        }
        if (name.equals("test/log")) {
            return roots.path(step.attribute("testLog"));
        }
        if (name.equals("build/Module.symvers")) {
            return roots.path(step.attribute("buildDir")).resolve("Module.symvers");
        }
        throw new IllegalStateException("unknown cached output " + name);
    }

    static Map<String, Object> toTree(StepResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", r.status().key());
        m.put("message", r.message());
        List<Object> ds = new ArrayList<>();
        for (Diagnostic d : r.diagnostics()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("severity", d.severity().key());
            e.put("file", d.file());
            e.put("line", d.line());
            e.put("column", d.column());
            e.put("message", d.message());
            if (!d.notes().isEmpty()) {
                e.put("notes", d.notes());
            }
            ds.add(e);
        }
        m.put("diagnostics", ds);
        Map<String, String> details = new TreeMap<>(r.details());
        details.remove("log");
        m.put("details", details);
        return m;
    }

    static StepResult parse(String id, String json) {
        Map<?, ?> m = (Map<?, ?>) CanonicalJson.read(json);
        List<Diagnostic> ds = new ArrayList<>();
        for (Object o : (List<?>) m.get("diagnostics")) {
            Map<?, ?> d = (Map<?, ?>) o;
            ds.add(new Diagnostic(
                    Diagnostic.Severity.valueOf(((String) d.get("severity")).toUpperCase(Locale.ROOT)),
                    (String) d.get("file"),
                    ((Number) d.get("line")).intValue(),
                    ((Number) d.get("column")).intValue(),
                    (String) d.get("message"),
                    d.get("notes") instanceof List<?> n
                            ? n.stream().map(String::valueOf).toList()
                            : List.of()));
        }
        SortedMap<String, String> details = new TreeMap<>();
        ((Map<?, ?>) m.get("details")).forEach((k, v) -> details.put((String) k, (String) v));
        return new StepResult(id, StepStatus.BUILT, Duration.ZERO, (String) m.get("message"), ds, details);
    }
}
