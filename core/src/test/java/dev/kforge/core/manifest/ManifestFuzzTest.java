package dev.kforge.core.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import dev.kforge.core.catalog.Catalog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded fuzzing of the manifest loader: 10,000 mutations of a valid manifest per run. Every
 * outcome must be a workspace or a {@link ManifestException} with FILE:LINE:COL and a hint;
 * never another exception (which the CLI would report as an internal error, exit 4).
 * Rerun a failure with -Dkforge.fuzz.seed=SEED.
 */
class ManifestFuzzTest {

    static final int CASES = 10_000;
    static final Pattern POSITIONED = Pattern.compile("^kforge\\.toml:\\d+:\\d+: \\S.*", Pattern.DOTALL);
    static final String ALPHABET = "[]{}=\"'#\n,. _-abcdefghijklmnoprstuvwxyz0123456789\\/*:+\t";

    @TempDir
    Path dir;

    static final String VALID = """
            [workspace]
            name = "fuzz"
            out = "out"

            [[kernel]]
            name = "v6.1"
            source = "/usr/src/linux-source-6.1.tar.xz"
            fragments = ["configs/extra.config"]

            [[kernel]]
            name = "host"
            headers = "/usr/src/linux-headers-*-amd64"

            [[driver]]
            name = "core"
            path = "drivers/core"
            requires = ["CONFIG_PCI"]
            timeout = 600
            [driver.make]
            VERSION = "1.2"

            [[driver]]
            name = "user"
            path = "drivers/user"
            depends = ["core"]
            arches = ["arm64", "x86_64"]

            [[matrix]]
            drivers = ["core", "user"]
            kernels = ["v6.1"]
            arches = ["x86_64", "arm64", "riscv64"]
            toolchains = ["gcc", "llvm"]
            exclude = [{ arch = "riscv64", toolchain = "llvm" }]
            """;

    @Test
    void mutatedManifestsNeverEscapeAsAnythingButPositionedErrors() {
        long seed = Long.getLong("kforge.fuzz.seed", System.nanoTime());
        new TestWorkspace(dir)
                .cDriver("drivers/core")
                .cDriver("drivers/user")
                .write("configs/extra.config", "CONFIG_PCI=y\n");
        ManifestLoader loader = new ManifestLoader(Catalog.builtIn());
        Random random = new Random(seed);
        int errors = 0;
        for (int i = 0; i < CASES; i++) {
            String text = mutate(VALID, random);
            try {
                loader.parse(text, "kforge.toml", dir);
            } catch (ManifestException e) {
                errors++;
                if (!POSITIONED.matcher(e.getMessage()).matches() || e.hint().isBlank()) {
                    throw new AssertionError(
                            "seed " + seed + " case " + i + ": unpositioned error or no hint: " + e.getMessage()
                                    + "\n--- manifest ---\n" + text,
                            e);
                }
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + seed + " case " + i + ": " + e + "\n--- manifest ---\n" + text, e);
            }
        }
        // The mutations are strong enough to break most manifests, yet leave some valid.
        assertThat(errors)
                .as("seed %d (rerun: -Dkforge.fuzz.seed=%d)", seed, seed)
                .isBetween(CASES / 4, CASES - 1);
    }

    static String mutate(String text, Random r) {
        String s = text;
        int n = 1 + r.nextInt(4);
        for (int k = 0; k < n; k++) {
            List<String> lines = new ArrayList<>(Arrays.asList(s.split("\n", -1)));
            int op = r.nextInt(8);
            int pos = s.isEmpty() ? 0 : r.nextInt(s.length());
            switch (op) {
                case 0 -> s = s.substring(0, pos) + s.substring(Math.min(s.length(), pos + 1));
                case 1 -> s = s.substring(0, pos) + ALPHABET.charAt(r.nextInt(ALPHABET.length())) + s.substring(pos);
                case 2 -> {
                    int l = r.nextInt(lines.size());
                    lines.add(l, lines.get(l));
                    s = String.join("\n", lines);
                }
                case 3 -> {
                    lines.remove(r.nextInt(lines.size()));
                    s = String.join("\n", lines);
                }
                case 4 -> {
                    int a = r.nextInt(lines.size());
                    int b = r.nextInt(lines.size());
                    String t = lines.get(a);
                    lines.set(a, lines.get(b));
                    lines.set(b, t);
                    s = String.join("\n", lines);
                }
                case 5 -> s = s.substring(0, pos);
                case 6 -> {
                    String[] values = {
                        "\"\"",
                        "0",
                        "-1",
                        "[]",
                        "{}",
                        "true",
                        "\"../x\"",
                        "\"/etc\"",
                        "\"a b\"",
                        "1.5",
                        "\"x; rm -rf ~\"",
                        "[1, 2]",
                        "\"CONFIG_\"",
                        "99999999999",
                        "\"\\u0000\"",
                        "\"drivers\""
                    };
                    s = replaceAssignment(s, r.nextInt(20), values[r.nextInt(values.length)]);
                }
                default ->
                    s = s.replace(
                            "\"" + pick(r, "core", "user", "v6.1", "x86_64", "gcc", "arm64", "host") + "\"",
                            "\"" + pick(r, "cor", "usr", "v6.2", "x86", "icc", "aarch64", "risc5", "") + "\"");
            }
        }
        return s;
    }

    static final Pattern ASSIGNMENT = Pattern.compile("= [^\n]*");

    /** Replaces the value of the {@code index}-th assignment (counting from 0, wrapping around) with {@code value}. */
    static String replaceAssignment(String s, int index, String value) {
        List<int[]> spans = new ArrayList<>();
        var m = ASSIGNMENT.matcher(s);
        while (m.find()) {
            spans.add(new int[] {m.start(), m.end()});
        }
        if (spans.isEmpty()) {
            return s;
        }
        int[] span = spans.get(index % spans.size());
        return s.substring(0, span[0]) + "= " + value + s.substring(span[1]);
    }

    @Test
    void theAssignmentMutationReachesEveryAssignment() {
        String text = "a = 1\nb = 2\nc = 3\n";
        assertThat(replaceAssignment(text, 0, "x")).isEqualTo("a = x\nb = 2\nc = 3\n");
        assertThat(replaceAssignment(text, 2, "x")).isEqualTo("a = 1\nb = 2\nc = x\n");
        assertThat(replaceAssignment(text, 4, "x")).isEqualTo("a = 1\nb = x\nc = 3\n");
        Set<Integer> changedLines = new TreeSet<>();
        Random r = new Random(1);
        String[] valid = VALID.split("\n", -1);
        for (int i = 0; i < 500; i++) {
            String[] got =
                    replaceAssignment(VALID, r.nextInt(20), "\"fuzz-value\"").split("\n", -1);
            for (int l = 0; l < valid.length; l++) {
                if (!got[l].equals(valid[l])) {
                    changedLines.add(l);
                }
            }
        }
        assertThat(changedLines).hasSizeGreaterThan(15);
    }

    static String pick(Random r, String... options) {
        return options[r.nextInt(options.length)];
    }
}
