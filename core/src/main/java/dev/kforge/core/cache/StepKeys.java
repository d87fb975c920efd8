package dev.kforge.core.cache;

import dev.kforge.core.KforgeException;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.digest.DigestMemo;
import dev.kforge.core.digest.Fingerprint;
import dev.kforge.core.model.Driver;
import dev.kforge.core.plan.BuildPlan;
import dev.kforge.core.plan.Planner;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Step;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Computes the cache key of every cacheable step: a fingerprint of its kind, argv, environment
 * and working directory (all in plan form, free of machine paths), the content of its inputs
 * (driver sources file by file; a kernel's identity; a prepared tree's key, which its directory
 * name carries), the tools (version lines and binary digests) and the keys of the steps it
 * depends on, salted with {@link #FORMAT}.
 */
public final class StepKeys {

    /**
     * Bumped when what a step produces, or how it is stored, changes for the same inputs (2: executable
     * bits; 3: entries name outputs by their declared plan paths and carry typed artifacts).
     */
    public static final int FORMAT = 3;

    /**
     * A step's key and the digests of what went into it (for metadata and provenance).
     *
     * @param key the cache key
     * @param inputs input name to digest
     */
    public record StepKey(Digest key, SortedMap<String, String> inputs) {}

    private final Roots roots;
    private final BuildPlan plan;
    private final DigestMemo memo;

    public StepKeys(Roots roots, BuildPlan plan, DigestMemo memo) {
        this.roots = roots;
        this.plan = plan;
        this.memo = memo;
    }

    /** Whether a step's result can come from the cache. */
    public static boolean cacheable(Step s) {
        return s.kind().cacheable();
    }

    /** Keys for the cacheable steps of {@code steps}, which must be closed under dependencies. */
    public Map<String, StepKey> compute(List<Step> steps) {
        SortedMap<String, String> all = toolIdentities();
        // The programs only steps keyed by their attributes run (the emulators) key no other step: planning with tests
        // must not change a build's key, so kforge build and kforge test share their cached cells.
        Set<String> testOnly = new HashSet<>();
        plan.steps().stream()
                .filter(s -> s.kind().keyedByAttributes())
                .forEach(s -> s.commands().forEach(c -> testOnly.add(c.get(0))));
        plan.steps().stream()
                .filter(s -> !s.kind().keyedByAttributes())
                .forEach(s -> s.commands().forEach(c -> testOnly.remove(c.get(0))));
        SortedMap<String, String> tools = new TreeMap<>(all);
        tools.keySet().removeIf(t -> testOnly.contains(t) || testOnly.contains(t.replace("#sha256", "")));
        Map<String, StepKey> keys = new LinkedHashMap<>();
        Map<String, Step> byId = new LinkedHashMap<>();
        steps.forEach(s -> byId.put(s.id(), s));
        for (Step s : steps) {
            compute(s, byId, tools, all, keys);
        }
        return keys; // the memo's owner writes it back, once, at the end of the run
    }

    private void compute(
            Step s,
            Map<String, Step> byId,
            SortedMap<String, String> tools,
            SortedMap<String, String> all,
            Map<String, StepKey> keys) {
        if (!cacheable(s) || keys.containsKey(s.id())) {
            return;
        }
        Fingerprint f = new Fingerprint("kforge-step", FORMAT)
                .add(Planner.FORMAT)
                .add(s.kind().key());
        f.add(s.commands().size());
        s.commands().forEach(f::addStrings);
        f.addMap(s.env()).add(s.cwd());
        if (s.kind().keyedByAttributes()) {
            f.addMap(s.attributes()); // what the guest loads, with which parameters and script, shapes its /init
        }
        SortedMap<String, String> inputs = new TreeMap<>();
        for (String in : s.inputs()) {
            if (in.startsWith("${build}/")) {
                continue; // a dependency's output: its step key stands for it
            }
            inputs.put(in, inputDigest(in));
        }
        f.addMap(inputs);
        f.addMap(s.kind().keyedByAttributes() ? withOwnPrograms(s, tools, all) : tools);
        for (String dep : s.deps()) {
            Step d = byId.get(dep);
            if (d != null && cacheable(d)) {
                compute(d, byId, tools, all, keys);
                f.add(dep).add(keys.get(dep).key());
            }
        }
        keys.put(s.id(), new StepKey(f.digest(), inputs));
    }

    private String inputDigest(String in) {
        if (in.startsWith("${kernel:")) {
            String name = in.substring("${kernel:".length(), in.indexOf('}'));
            return Optional.ofNullable(plan.kernels().get(name))
                    .map(k -> k.get("identity"))
                    .orElse("unknown kernel " + name);
        }
        if (in.startsWith("${trees}/")) {
            return in; // the tree directory's name ends in the key of everything that shaped it
        }
        Path p = roots.path(in);
        try {
            if (Files.isRegularFile(p)) {
                return memo.of(p).hex();
            }
            if (!Files.isDirectory(p)) {
                return "missing";
            }
            Fingerprint f = new Fingerprint("kforge-dir", 1);
            try (Stream<Path> files = Files.walk(p)) {
                for (Path file : files.peek(x -> readableName(p, x))
                        .filter(Files::isRegularFile)
                        .sorted()
                        .toList()) {
                    if (Driver.GENERATED_FILES.contains(file.getFileName().toString())) {
                        continue;
                    }
                    f.add(p.relativize(file).toString())
                            .add(Files.isExecutable(file))
                            .add(memo.of(file));
                }
            }
            return f.digest().hex();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A file name the JVM could not decode (not valid in the file-name encoding, UTF-8) cannot be
     * opened by the name it reads: it would be left out of the key and fail the copy. Refused.
     */
    private static void readableName(Path dir, Path file) {
        String name = dir.relativize(file).toString();
        if (name.indexOf('\uFFFD') >= 0) {
            throw KforgeException.userInput(
                    dir + " holds a file whose name is not valid UTF-8 (read as '" + name + "')",
                    "rename it (for example: convmv -f latin1 -t utf8 --notest), or move it out of the driver's directory");
        }
    }

    /**
     * The tools that key every step, and the programs this step's own commands run (an emulator, a
     * package checker): not the programs of other such steps, so a test's or a package's key does not
     * change with the formats or architectures planned beside it.
     */
    private static SortedMap<String, String> withOwnPrograms(
            Step s, SortedMap<String, String> tools, SortedMap<String, String> all) {
        SortedMap<String, String> own = new TreeMap<>(tools);
        for (List<String> c : s.commands()) {
            for (String k : List.of(c.get(0), c.get(0) + "#sha256")) {
                if (all.containsKey(k)) {
                    own.put(k, all.get(k));
                }
            }
        }
        return own;
    }

    /** The plan's tool version lines, plus a digest of each tool's binary where it resolves. */
    private SortedMap<String, String> toolIdentities() {
        SortedMap<String, String> out = new TreeMap<>(plan.tools());
        for (String tool : plan.tools().keySet()) {
            resolve(tool).ifPresent(p -> {
                try {
                    out.put(tool + "#sha256", memo.of(p).hex());
                } catch (IOException e) {
                    out.put(tool + "#sha256", "unreadable");
                }
            });
        }
        return out;
    }

    private static Optional<Path> resolve(String program) {
        if (program.startsWith("/")) {
            return Optional.of(Path.of(program)).filter(Files::isRegularFile);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, program);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
