package dev.kforge.core.service;

import dev.kforge.core.digest.DigestMemo;
import dev.kforge.core.digest.InputLog;
import dev.kforge.core.json.CanonicalJson;
import dev.kforge.core.json.RecordTrees;
import dev.kforge.core.model.Signing;
import dev.kforge.core.model.Workspace;
import dev.kforge.core.plan.BuildPlan;
import dev.kforge.core.plan.PlanCodec;
import dev.kforge.core.report.Reports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plans remembered with what they were planned from, so an unchanged workspace on an unchanged
 * machine is not planned again (planning reads kernel trees, apt's lists, toolchain roots and
 * probes tools: most of a no-op build's time). As CMake re-runs its configure step only when a
 * file it read changed, and Gradle's configuration cache checks the inputs it recorded.
 *
 * <p>An entry is found by a key of everything planning is given (kforge's own build, the
 * environment, the manifest's path and text, the options: see {@link PlanService}) and holds the
 * plan, the loaded manifest (so a reused plan costs no TOML parse) and the stamp of every path
 * loading and planning read ({@link InputLog}); it is used only while every stamp is unchanged,
 * and only when the plan it decodes has the plan hash it was stored with. A plan is not stored
 * when a path it read was changed during planning or within two seconds before it (a change in
 * the same clock tick could leave a stamp as it was).
 */
public final class PlanCache {

    /** Set (to anything) to plan every time: no plan is read from or written to the cache. */
    public static final String OFF = "KFORGE_NO_PLAN_CACHE";

    private static final int FORMAT = 2;
    private static final Logger LOG = LoggerFactory.getLogger(PlanCache.class);

    /**
     * Entries kept: the most recently stored or used. One entry per workspace and configuration; an
     * environment that changes every run (a CI job's id) makes a new one each time, so the store is bounded.
     */
    static final int KEEP = 32;

    private final Path dir;
    private final InputLog inputs;

    /**
     * @param dir where entries live (one file per key)
     * @param inputs the log the adapters record planning's reads in
     */
    public PlanCache(Path dir, InputLog inputs) {
        this.dir = dir;
        this.inputs = inputs;
    }

    InputLog inputs() {
        return inputs;
    }

    /** The remembered plan (with its loaded manifest) for {@code key}, when every path it was planned from is as it was. */
    Optional<Planned> load(String key, Path root) {
        Path file = dir.resolve(key + ".json");
        if (!Files.isRegularFile(file)) {
            LOG.debug("plan cache: no plan remembered for this workspace and configuration; planning");
            return Optional.empty();
        }
        try {
            Map<?, ?> m = (Map<?, ?>) CanonicalJson.read(Files.readString(file));
            if (!(m.get("format") instanceof Number f) || f.intValue() != FORMAT) {
                return Optional.empty();
            }
            for (Map.Entry<?, ?> e : ((Map<?, ?>) m.get("inputs")).entrySet()) {
                if (!InputLog.stamp(Path.of((String) e.getKey())).equals(e.getValue())) {
                    LOG.debug("plan cache: {} changed; planning", e.getKey());
                    return Optional.empty();
                }
            }
            if (m.get("validUntil") instanceof Number until && until.longValue() < System.currentTimeMillis()) {
                LOG.debug("plan cache: what the plan was made from is due to be fetched again; planning");
                return Optional.empty();
            }
            BuildPlan plan = PlanCodec.decode((Map<?, ?>) m.get("plan"));
            Optional<Workspace> decoded =
                    withKeyFromManifest(RecordTrees.decode(m.get("workspace"), Workspace.class), root);
            if (decoded.isEmpty()) {
                LOG.debug("plan cache: the signing key's place in the manifest cannot be read; planning");
                return Optional.empty();
            }
            Workspace ws = decoded.get();
            if (!plan.planHash().hex().equals(m.get("planHash"))) {
                LOG.debug("plan cache: the remembered plan does not have its plan hash; planning");
                return Optional.empty();
            }
            Map<String, Path> dirs = new TreeMap<>();
            ((Map<?, ?>) m.get("dirs")).forEach((k, v) -> dirs.put((String) k, Path.of((String) v)));
            LOG.debug(
                    "plan cache: {} paths unchanged; using the plan remembered in {}",
                    ((Map<?, ?>) m.get("inputs")).size(),
                    file);
            touch(file);
            return Optional.of(new Planned(ws, root, plan, dirs));
        } catch (IOException | RuntimeException e) {
            LOG.debug("plan cache: {} is unreadable ({}); planning", file, e.toString());
            return Optional.empty(); // a torn or foreign entry is a miss; planning writes a good one
        }
    }

    /** What a remembered manifest holds instead of the signing key's path, which stays in the manifest only. */
    static final String KEY_IN_MANIFEST = "@manifest";

    /** The encoded workspace with the signing key's path replaced: the cache never holds it. */
    @SuppressWarnings("unchecked")
    private static Object withoutKeyPath(Object workspace) {
        Map<String, Object> ws = new LinkedHashMap<>((Map<String, Object>) workspace);
        if (ws.get("signing") instanceof List<?> l && l.size() == 1 && l.get(0) instanceof Map<?, ?> sig) {
            Map<String, Object> signing = new LinkedHashMap<>((Map<String, Object>) sig);
            if (signing.get("key") instanceof List<?> key && !key.isEmpty()) {
                signing.put("key", List.of(KEY_IN_MANIFEST));
            }
            ws.put("signing", List.of(signing));
        }
        return ws;
    }

    /**
     * The remembered workspace with the signing key's path read back from the manifest, at the
     * place loading recorded (the manifest is unchanged: its stamp was checked). Empty when that
     * line is not a plain {@code key = "..."}: the caller plans again.
     */
    static Optional<Workspace> withKeyFromManifest(Workspace ws, Path root) {
        Optional<Signing> signing = ws.signing();
        if (signing.isEmpty() || !signing.get().key().equals(Optional.of(KEY_IN_MANIFEST))) {
            return Optional.of(ws);
        }
        Signing s = signing.get();
        Path manifest = root.resolve(Path.of(s.keyPos().file()).getFileName().toString());
        Optional<String> key = stringValueAt(manifest, s.keyPos().line());
        return key.map(k -> new Workspace(
                ws.name(),
                ws.manifestName(),
                ws.out(),
                ws.kernels(),
                ws.drivers(),
                ws.matrices(),
                ws.remoteCache(),
                ws.roots(),
                Optional.of(new Signing(Optional.of(k), s.keyEnv(), s.cert(), s.pos(), s.keyPos())),
                ws.xfail(),
                ws.packaging()));
    }

    private static final Pattern KEY_LINE =
            Pattern.compile("\\s*key\\s*=\\s*(?:\"((?:[^\"\\\\]|\\\\[\"\\\\])*)\"|'([^']*)')\\s*(?:#.*)?");

    /** The string of a {@code key = "..."} (or {@code '...'}) line; basic strings with only \" and \\ escapes. */
    static Optional<String> stringValueAt(Path manifest, int line) {
        try (var lines = Files.lines(manifest)) {
            Optional<String> text = lines.skip(line - 1L).findFirst();
            Matcher m = text.map(KEY_LINE::matcher).filter(Matcher::matches).orElse(null);
            if (m == null) {
                return Optional.empty();
            }
            if (m.group(1) == null) {
                return Optional.of(m.group(2));
            }
            StringBuilder value = new StringBuilder();
            String raw = m.group(1);
            for (int i = 0; i < raw.length(); i++) {
                char c = raw.charAt(i);
                value.append(c == '\\' ? raw.charAt(++i) : c); // the pattern allows only \" and \\
            }
            return Optional.of(value.toString());
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }

    /**
     * Remembers {@code planned} under {@code key} with the stamps planning recorded, unless a path
     * changed since (or settled too recently to trust its stamp). Failures only cost the next run
     * its planning.
     *
     * @param startedNanos when planning began (epoch nanoseconds)
     */
    void store(String key, Planned planned, SortedMap<String, String> seen, long startedNanos) {
        for (Map.Entry<String, String> e : seen.entrySet()) {
            if (!e.getValue().equals(InputLog.stamp(Path.of(e.getKey())))
                    || !(e.getValue().equals(InputLog.ABSENT) || DigestMemo.settled(e.getValue(), startedNanos))) {
                LOG.debug(
                        "plan cache: {} changed while planning or just before; the plan is not remembered", e.getKey());
                return;
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("planHash", planned.plan().planHash().hex());
        m.put("inputs", seen);
        inputs.validUntil().ifPresent(t -> m.put("validUntil", t.toEpochMilli()));
        SortedMap<String, String> dirs = new TreeMap<>();
        planned.kernelDirs().forEach((k, v) -> dirs.put(k, v.toString()));
        m.put("dirs", dirs);
        m.put("workspace", withoutKeyPath(RecordTrees.encode(planned.workspace())));
        m.put("plan", PlanCodec.encode(planned.plan()));
        try {
            Reports.writeAtomically(dir.resolve(key + ".json"), CanonicalJson.compact(m));
            evict();
        } catch (IOException | IllegalArgumentException e) {
            // only a cache: the next run plans again
        }
    }

    /** Marks an entry used (its mtime), so eviction keeps it. */
    private static void touch(Path file) {
        try {
            Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
        } catch (IOException e) {
            // it may be evicted sooner; nothing else
        }
    }

    /** Removes all but the {@link #KEEP} most recently stored or used entries. */
    private void evict() throws IOException {
        List<Path> entries;
        try (var s = Files.list(dir)) {
            entries =
                    s.filter(p -> p.getFileName().toString().endsWith(".json")).collect(Collectors.toList());
        }
        if (entries.size() <= KEEP) {
            return;
        }
        Map<Path, Long> mtimes = new HashMap<>();
        for (Path e : entries) {
            try {
                mtimes.put(e, Files.getLastModifiedTime(e).toMillis());
            } catch (IOException gone) {
                mtimes.put(e, 0L); // removed by another kforge meanwhile
            }
        }
        entries.sort(Comparator.comparing((Path e) -> mtimes.get(e)).reversed());
        for (Path old : entries.subList(KEEP, entries.size())) {
            Files.deleteIfExists(old);
        }
    }

    /** Forgets every remembered plan ({@code kforge cache clear}). */
    public static void clear(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (var s = Files.list(dir)) {
            for (Path e : s.toList()) {
                Files.deleteIfExists(e);
            }
        }
    }
}
