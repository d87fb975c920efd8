package dev.kforge.core.cache;

import dev.kforge.core.digest.Digest;
import dev.kforge.core.digest.DigestMemo;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.plan.Output;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files a step declares, as the step cache names them: a file output by its plan path, each
 * file of a directory output by the directory's plan path, a slash and its relative path;
 * executables marked with {@value #EXECUTABLE} so a restore keeps the bit. Outputs another step of
 * the plan declares inside a directory output (a tool crate's directory inside its cell's, a test's
 * log) belong to that step: they are neither stored with the directory nor counted against it,
 * and a restore carries them over. Knows no step kind and no tool's file names.
 */
final class DeclaredOutputs {

    private static final Logger LOG = LoggerFactory.getLogger(DeclaredOutputs.class);

    static final String EXECUTABLE = "x:";

    private final Roots roots;
    private final Optional<DigestMemo> memo;
    /** Every output the plan declares, with the step that declares it, sorted so nested ones are a range. */
    private final NavigableMap<String, String> declaredBy;

    DeclaredOutputs(Roots roots, Optional<DigestMemo> memo, List<Step> steps) {
        this.roots = roots;
        this.memo = memo;
        NavigableMap<String, String> by = new TreeMap<>();
        for (Step s : steps) {
            s.declaredOutputs().forEach(o -> by.putIfAbsent(o.path(), s.id()));
        }
        this.declaredBy = by;
    }

    /** The files to store for a step that just succeeded, by cache name, in name order. */
    SortedMap<String, Path> collect(Step step) throws IOException {
        SortedMap<String, Path> out = new TreeMap<>();
        for (Output o : step.declaredOutputs()) {
            Path p = roots.path(o.path());
            if (!o.directory()) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.put((Files.isExecutable(p) ? EXECUTABLE : "") + o.path(), p);
                }
                continue;
            }
            if (!Files.isDirectory(p)) {
                continue;
            }
            Set<Path> foreign = foreign(step, o);
            try (Stream<Path> s = Files.walk(p)) {
                for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                    if (!inside(f, foreign)) {
                        out.put((Files.isExecutable(f) ? EXECUTABLE : "") + o.path() + "/" + p.relativize(f), f);
                    }
                }
            }
        }
        return out;
    }

    /**
     * Whether every output of {@code step} already holds what the entries say, read through the
     * stat cache (an unchanged file is not read), and each directory output holds nothing else.
     *
     * @param entryFor the entry whose files an output must hold (a step overwritten in place by a
     *     later one, as a cell's modules are by their signature, is in place when the later one's are)
     */
    boolean inPlace(Step step, Map<Output, StepCache.ActionEntry> entryFor) throws IOException {
        if (memo.isEmpty()) {
            return false;
        }
        for (Output o : step.declaredOutputs()) {
            StepCache.ActionEntry entry = entryFor.get(o);
            if (entry == null || !inPlace(step, o, entry)) {
                return false;
            }
        }
        return true;
    }

    private boolean inPlace(Step step, Output o, StepCache.ActionEntry entry) throws IOException {
        Map<Path, Map.Entry<Digest, Boolean>> expected = new LinkedHashMap<>();
        for (Map.Entry<String, Digest> e : entry.outputs().entrySet()) {
            boolean executable = e.getKey().startsWith(EXECUTABLE);
            String name = executable ? e.getKey().substring(EXECUTABLE.length()) : e.getKey();
            if (name.equals(o.path()) || o.contains(name)) {
                expected.put(roots.path(name), Map.entry(e.getValue(), executable));
            }
        }
        for (Map.Entry<Path, Map.Entry<Digest, Boolean>> e : expected.entrySet()) {
            Path f = e.getKey();
            if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)
                    || (e.getValue().getValue() && !Files.isExecutable(f))
                    || !memo.get().of(f).equals(e.getValue().getKey())) {
                return false;
            }
        }
        Path p = roots.path(o.path());
        if (!o.directory()) {
            return !expected.isEmpty() || !Files.exists(p, LinkOption.NOFOLLOW_LINKS);
        }
        if (!Files.isDirectory(p)) {
            return expected.isEmpty();
        }
        Set<Path> foreign = foreign(step, o);
        try (Stream<Path> s = Files.walk(p)) {
            return s.filter(f -> !Files.isDirectory(f)).allMatch(f -> expected.containsKey(f) || inside(f, foreign));
        }
    }

    /**
     * Restores every output of {@code step} from {@code entry}: each directory staged beside its
     * place and renamed in whole, each file replaced by rename; every blob verified.
     *
     * @return false when a blob is missing or corrupt (what was staged is removed)
     */
    boolean restore(Step step, StepCache.ActionEntry entry, StepCache cache) throws IOException {
        Map<Output, Path> staged = new LinkedHashMap<>();
        try {
            for (Output o : step.declaredOutputs()) {
                if (o.directory()) {
                    staged.put(o, FileTrees.stagingFor(roots.path(o.path())));
                }
            }
            for (Map.Entry<String, Digest> e : entry.outputs().entrySet()) {
                boolean executable = e.getKey().startsWith(EXECUTABLE);
                String name = executable ? e.getKey().substring(EXECUTABLE.length()) : e.getKey();
                Path target = target(step, name, staged);
                if (!cache.fetch(e.getValue(), target)) {
                    LOG.warn(
                            "{}: cache blob {} missing or corrupt; rebuilding",
                            step.id(),
                            e.getValue().prefix(12));
                    return false;
                }
                if (executable && !target.toFile().setExecutable(true, false)) {
                    return false;
                }
            }
            for (Map.Entry<Output, Path> d : staged.entrySet()) {
                Path place = roots.path(d.getKey().path());
                carryOver(step, d.getKey(), place, d.getValue());
                FileTrees.swapIn(d.getValue(), place);
            }
            staged.clear();
            return true;
        } finally {
            for (Path tmp : staged.values()) {
                FileTrees.deleteRecursively(tmp);
            }
        }
    }

    /** Where a stored file goes: inside its staged directory, or at its own place. */
    private Path target(Step step, String name, Map<Output, Path> staged) {
        for (Map.Entry<Output, Path> d : staged.entrySet()) {
            if (d.getKey().contains(name)) {
                Path dir = d.getValue();
                Path target = dir.resolve(name.substring(d.getKey().path().length() + 1))
                        .normalize();
                if (!target.startsWith(dir)) {
                    throw new IllegalStateException("cached output " + name + " leaves its directory");
                }
                return target;
            }
        }
        for (Output o : step.declaredOutputs()) {
            if (!o.directory() && o.path().equals(name)) {
                return roots.path(name);
            }
        }
        throw new IllegalStateException(step.id() + ": cached output " + name + " is not a declared output");
    }

    /** Other steps' outputs inside the old directory move into the new one: their steps judge them. */
    private void carryOver(Step step, Output o, Path place, Path staging) throws IOException {
        if (!Files.isDirectory(place)) {
            return;
        }
        for (Path f : foreign(step, o)) {
            if (Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
                Path to = staging.resolve(place.relativize(f));
                if (!Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(to.getParent());
                    Files.move(f, to);
                }
            }
        }
    }

    /** The outputs other steps declare inside directory output {@code o} of {@code step}. */
    private Set<Path> foreign(Step step, Output o) {
        Set<Path> out = new HashSet<>();
        // The paths inside o sort between "o/" and "o0" ('0' follows '/'): a range, not a scan of the plan.
        declaredBy.subMap(o.path() + "/", true, o.path() + "0", false).forEach((path, owner) -> {
            if (!owner.equals(step.id())) {
                out.add(roots.path(path));
            }
        });
        return out;
    }

    private static boolean inside(Path f, Set<Path> dirs) {
        for (Path d : dirs) {
            if (f.startsWith(d)) {
                return true;
            }
        }
        return false;
    }
}
