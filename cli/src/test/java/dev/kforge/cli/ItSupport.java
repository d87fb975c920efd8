package dev.kforge.cli;

import dev.kforge.core.exec.LocalProcessRunner;
import dev.kforge.core.exec.ProcessResult;
import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.exec.ProcessSpec;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.json.CanonicalJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * Helpers for integration tests: kforge in-process against the real machine (real make, Kbuild,
 * compilers, kernel trees), with the tests' own cache ({@link #itCache()}) so prepared trees are reused
 * between tests and runs.
 */
final class ItSupport {

    private ItSupport() {}

    record Run(int code, String out, String err, List<List<String>> commands) {}

    /** Records every command while running it for real. */
    static final class RecordingRunner implements ProcessRunner {
        final List<List<String>> commands = Collections.synchronizedList(new ArrayList<>());
        private final LocalProcessRunner real;

        RecordingRunner(Map<String, String> extraEnv) {
            Map<String, String> env = new HashMap<>(System.getenv());
            env.putAll(extraEnv);
            real = new LocalProcessRunner(env);
        }

        @Override
        public ProcessResult run(ProcessSpec spec) throws IOException, InterruptedException {
            commands.add(spec.argv());
            return real.run(spec);
        }
    }

    static Run kforge(Path cwd, String... args) {
        return kforgeWithEnv(cwd, Map.of(), args);
    }

    /**
     * The integration tests' own cache directory, set by failsafe for the whole run; a test that
     * would fall back to the user's cache fails instead.
     */
    static Path itCache() {
        String dir = System.getenv("KFORGE_CACHE_DIR");
        if (dir == null || dir.isBlank()) {
            throw new IllegalStateException("KFORGE_CACHE_DIR is not set: run the integration tests through Maven "
                    + "(mvn verify), which points it at the tests' own cache");
        }
        return Path.of(dir);
    }

    static Run kforgeWithEnv(Path cwd, Map<String, String> extraEnv, String... args) {
        itCache();
        RecordingRunner runner = new RecordingRunner(extraEnv);
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("CI", "true");
        env.putAll(extraEnv);
        return inProcess(cwd, env, runner, args);
    }

    /** kforge run in this JVM through picocli, with {@code env} and {@code runner}, its output captured. */
    static Run inProcess(Path cwd, Map<String, String> env, ProcessRunner runner, String... args) {
        CommandLine cl = KforgeCommand.commandLine(new Context(env, runner, cwd));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        List<List<String>> commands = runner instanceof RecordingRunner r ? List.copyOf(r.commands) : List.of();
        return new Run(code, out.toString(), err.toString(), commands);
    }

    /** The distribution's launcher, built by the package phase before the integration tests. */
    static Path launcher() {
        return repo().resolve("cli/target/kforge-0.1.0-SNAPSHOT/kforge-0.1.0-SNAPSHOT/bin/kforge");
    }

    /**
     * The launcher's argv for tests that send it signals: started through {@code env
     * --default-signal=INT}, so SIGINT is at its default however the suite was started (nohup, or a
     * background job of a non-interactive shell, starts it ignored, and children inherit that).
     */
    static List<String> signalledLauncher(String... args) {
        List<String> argv = new ArrayList<>(
                List.of("env", "--default-signal=INT", launcher().toString()));
        argv.addAll(List.of(args));
        return argv;
    }

    static Path repo() {
        return Path.of(System.getProperty("kforge.repo", "..")).toAbsolutePath().normalize();
    }

    private static Path examplesKeys;

    /**
     * A key pair made once and kept in the IT cache under {@code name}: a kernel that trusts a
     * certificate has it in its tree's key, so a new pair every run rebuilt that kernel every run.
     */
    static synchronized Path keptKeys(String name, String commonName) throws IOException {
        Path dir = itCache().resolve("test-keys").resolve(name);
        if (Files.isRegularFile(dir.resolve("module.key")) && Files.isRegularFile(dir.resolve("module.crt"))) {
            return dir;
        }
        Files.createDirectories(dir.getParent());
        Path tmp = Files.createTempDirectory(dir.getParent(), name + ".tmp-");
        Run r = kforge(tmp, "keygen", "--cn", commonName, "pair");
        if (r.code() != 0) {
            throw new IllegalStateException("kforge keygen failed: " + r.err());
        }
        FileTrees.deleteRecursively(dir);
        Files.move(tmp.resolve("pair"), dir, StandardCopyOption.ATOMIC_MOVE);
        FileTrees.deleteRecursively(tmp);
        return dir;
    }

    /**
     * One signing key pair for the whole test run, made by {@code kforge keygen} (the examples sign
     * with keys/module.key, which a checkout does not have: keys are never committed).
     */
    static synchronized Path examplesKeys() throws IOException {
        if (examplesKeys == null) {
            Path dir = Files.createTempDirectory("kforge-it-keys");
            Run r = kforge(dir, "keygen", "--cn", "kforge integration tests", "keys");
            if (r.code() != 0) {
                throw new IllegalStateException("kforge keygen failed: " + r.err());
            }
            examplesKeys = dir.resolve("keys");
        }
        return examplesKeys;
    }

    /**
     * Copies the repository's examples (sources and manifest, not their outputs or keys) into
     * {@code dest}, with the run's signing key pair in keys/.
     */
    static Path copyExamples(Path dest) throws IOException {
        Path src = repo().resolve("examples");
        Path keys = examplesKeys();
        Files.createDirectories(dest.resolve("keys"));
        for (String f : List.of("module.key", "module.crt", "module.der")) {
            Files.copy(keys.resolve(f), dest.resolve("keys").resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        try (Stream<Path> s = Files.walk(src)) {
            for (Path p : s.toList()) {
                Path rel = src.relativize(p);
                if (rel.startsWith("out") || rel.startsWith(".kforge") || rel.startsWith("keys")) {
                    continue;
                }
                Path to = dest.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        return dest;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(Path file) {
        try {
            return (Map<String, Object>) CanonicalJson.read(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Cell id to its entry in kforge-results.json. */
    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> cells(Path out) {
        Map<String, Map<String, Object>> m = new HashMap<>();
        for (Object o : (List<Object>) json(out.resolve("kforge-results.json")).get("cells")) {
            Map<String, Object> c = (Map<String, Object>) o;
            m.put((String) c.get("cell"), c);
        }
        return m;
    }

    /** e_machine read straight from the ELF header. */
    static int elfMachine(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        if (b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F') {
            throw new AssertionError(file + " is not ELF");
        }
        ByteBuffer bb = ByteBuffer.wrap(b).order(b[5] == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        return Short.toUnsignedInt(bb.getShort(18));
    }

    /** The vermagic= string from the module's .modinfo, found by scanning the bytes. */
    static String vermagic(Path ko) throws IOException {
        String s = new String(Files.readAllBytes(ko), StandardCharsets.ISO_8859_1);
        int i = s.indexOf("vermagic=");
        if (i < 0) {
            throw new AssertionError(ko + " has no vermagic");
        }
        return s.substring(i + "vermagic=".length(), s.indexOf('\0', i));
    }

    static String utsRelease(Path tree) throws IOException {
        String uts = Files.readString(tree.resolve("include/generated/utsrelease.h"));
        var m = Pattern.compile("UTS_RELEASE\\s+\"([^\"]+)\"").matcher(uts);
        if (!m.find()) {
            throw new AssertionError("no UTS_RELEASE in " + tree);
        }
        return m.group(1);
    }
}
