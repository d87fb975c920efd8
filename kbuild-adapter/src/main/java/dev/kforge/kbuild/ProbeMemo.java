package dev.kforge.kbuild;

import dev.kforge.core.digest.Digest;
import dev.kforge.core.report.Reports;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Memoises Kbuild's compiler probes across runs. Every {@code make M=} re-runs the kernel's
 * {@code cc-option}, {@code as-instr}, {@code ld-option} and {@code rustc-option} checks (about 30
 * compiler starts on x86_64, some 0.5 s of the 0.7 s a no-op Kbuild invocation costs here); their
 * answers depend only on the command line, which names the compiler and every flag, and on the
 * compiler itself. Kbuild cached them in {@code .cache.mk} from 4.15 until the checks moved to
 * Kconfig; this brings that back for external modules without touching the tree.
 *
 * <p>The {@link #HELPER} makefile reaches every make of the build through GNU make's
 * {@code MAKEFILES}: it includes the memo and overrides {@code try-run} with a version that looks
 * the exit status up by the whole probe command (sanitised into a variable name), runs the probe
 * the tree's way when it is not known, and appends what it learned to a per-build log. After make,
 * kforge merges the log's well-formed lines into the memo by rename, so the memo only ever holds
 * complete lines, and a killed build cannot leave it half-written.
 *
 * <p>One memo per kernel tree, toolchain and environment (its key); the probe's answer is the
 * same with or without the memo, so the .ko is bit-identical (ProbeMemoIT compares Kbuild's
 * recorded command lines and the modules). Used only when the tree's {@code scripts/Makefile.compiler}
 * defines {@code try-run} the way 5.13 and later do; {@code KFORGE_NO_PROBE_MEMO=1} turns it off.
 */
final class ProbeMemo {

    static final String HELPER = "kforge-probes-v1.mk";
    static final String OFF = "KFORGE_NO_PROBE_MEMO";

    /** What the helper writes: one probe, its variable and y (the probe succeeded) or n. */
    private static final Pattern LINE = Pattern.compile("kfp_\\S+ := [yn]");

    private static final String TRY_RUN = "try-run = $(shell set -e;";

    // The exit status of the probe is what the tree's try-run decides by; the options it prints are
    // the caller's $(2) and $(3), so the memo stores only y or n. '_' is escaped first, so distinct
    // commands never share a name.
    private static final String HELPER_TEXT = """
            # kforge: memoised Kbuild compiler probes (try-run); written by kforge, see ProbeMemo.java.
            -include $(KFORGE_PROBES)
            kf-empty :=
            kf-space := $(kf-empty) $(kf-empty)
            kf-tab := $(kf-empty)\t$(kf-empty)
            kf-comma := ,
            kf-hash := \\#
            kf-lp := (
            kf-rp := )
            kf-key = kfp_$(subst $(kf-tab),_t,$(subst $$,_d,$(subst $(kf-rp),_r,$(subst $(kf-lp),_l,$(subst \\,_b,$(subst =,_e,$(subst $(kf-space),_s,$(subst $(kf-comma),_c,$(subst :,_o,$(subst ;,_i,$(subst !,_x,$(subst $(kf-hash),_h,$(subst _,_u,$(strip $(1)))))))))))))))
            kf-probe = $(eval $(kf-key) := $(shell set -e; TMP=$(TMPOUT)/tmp; trap "rm -rf $(TMPOUT)" EXIT; mkdir -p $(TMPOUT); if ($(1)) >/dev/null 2>&1; then echo y; else echo n; fi))$(if $(KFORGE_PROBES_NEW),$(file >>$(KFORGE_PROBES_NEW),$(kf-key) := $($(kf-key))))
            override try-run = $(if $(filter y n,$($(kf-key))),,$(kf-probe))$(if $(filter y,$($(kf-key))),$(2),$(3))
            """;

    private final Path dir;

    /** @param dir where the helper and the memos live (shared by every workspace of the user) */
    ProbeMemo(Path dir) {
        this.dir = dir;
    }

    /**
     * Whether one of the kernel's directories (the tree, the source make enters) defines try-run as
     * the helper replaces it: with TMPOUT a directory of its own, which the helper removes.
     */
    static boolean supports(List<Path> kernelDirs) throws IOException {
        for (Path d : kernelDirs) {
            Path compiler = d.resolve("scripts/Makefile.compiler");
            if (Files.isRegularFile(compiler)) {
                String text = Files.readString(compiler);
                return text.contains(TRY_RUN)
                        && text.contains("TMPOUT = $(if $(KBUILD_EXTMOD),$(firstword $(KBUILD_EXTMOD))/).tmp_$$$$");
            }
        }
        return false;
    }

    /** One make's use of the memo: the variables make gets, then {@link #learn} after it ran. */
    record Use(Path memo, Path log, Map<String, String> env) {}

    /**
     * @param key the tree, toolchain and environment the probes ran with
     */
    Use open(Digest key) throws IOException {
        Files.createDirectories(dir);
        Path helper = dir.resolve(HELPER);
        if (!Files.isRegularFile(helper) || !Files.readString(helper).equals(HELPER_TEXT)) {
            Reports.writeAtomically(helper, HELPER_TEXT);
        }
        Path memo = dir.resolve(key.hex().substring(0, 32) + ".mk");
        if (Files.isRegularFile(memo)) {
            // make reads the memo as a makefile: a line kforge did not write (a damaged disk, a hand edit) would stop
            // every build with a syntax error, so such lines are dropped first.
            List<String> lines = Files.readAllLines(memo);
            List<String> good =
                    lines.stream().filter(l -> LINE.matcher(l).matches()).toList();
            if (good.size() != lines.size()) {
                synchronized (ProbeMemo.class) {
                    Reports.writeAtomically(memo, good.isEmpty() ? "" : String.join("\n", good) + "\n");
                }
            }
        }
        Path log = Files.createTempFile(dir, key.hex().substring(0, 16) + ".", ".new");
        Map<String, String> env = new TreeMap<>();
        env.put("MAKEFILES", helper.toString());
        env.put("KFORGE_PROBES", memo.toString());
        env.put("KFORGE_PROBES_NEW", log.toString());
        return new Use(memo, log, env);
    }

    /**
     * Merges what one make learned into its memo (well-formed lines only: a make killed mid-line
     * leaves a fragment, which is dropped) and removes the make's log. Returns the probes learned.
     */
    int learn(Use use) throws IOException {
        try {
            List<String> learned = Files.readAllLines(use.log()).stream()
                    .filter(l -> LINE.matcher(l).matches())
                    .toList();
            if (learned.isEmpty()) {
                return 0;
            }
            synchronized (ProbeMemo.class) {
                Path lock = use.memo().resolveSibling(use.memo().getFileName() + ".lock");
                try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        FileLock ignored = ch.lock()) {
                    TreeSet<String> lines = new TreeSet<>();
                    if (Files.isRegularFile(use.memo())) {
                        Files.readAllLines(use.memo()).stream()
                                .filter(l -> LINE.matcher(l).matches())
                                .forEach(lines::add);
                    }
                    int before = lines.size();
                    lines.addAll(learned);
                    if (lines.size() != before) {
                        Reports.writeAtomically(use.memo(), String.join("\n", lines) + "\n");
                    }
                    return lines.size() - before;
                }
            }
        } finally {
            Files.deleteIfExists(use.log());
        }
    }

    /** The memo's entries (for tests): probe variable to y or n. */
    static Optional<Map<String, String>> read(Path memo) throws IOException {
        if (!Files.isRegularFile(memo)) {
            return Optional.empty();
        }
        Map<String, String> out = new TreeMap<>();
        for (String l : Files.readAllLines(memo)) {
            if (LINE.matcher(l).matches()) {
                out.put(l.substring(0, l.length() - 5), l.substring(l.length() - 1));
            }
        }
        return Optional.of(out);
    }
}
