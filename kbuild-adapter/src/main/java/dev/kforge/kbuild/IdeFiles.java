package dev.kforge.kbuild;

import dev.kforge.core.KforgeException;
import dev.kforge.core.exec.ProcessResult;
import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.exec.ProcessSpec;
import dev.kforge.core.fs.LogLines;
import dev.kforge.core.fs.Modes;
import dev.kforge.core.json.CanonicalJson;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Step;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Editor files for one built cell, from Kbuild's own generators: compile_commands.json for C
 * drivers (scripts/clang-tools/gen_compile_commands.py over the cell's build directory, paths
 * mapped back to the user's sources; read from Kbuild's .cmd files directly where a distribution's
 * headers ship no such script) and rust-project.json for Rust drivers (make rust-analyzer).
 */
public final class IdeFiles {

    private final Roots roots;
    private final ProcessRunner runner;

    public IdeFiles(Roots roots, ProcessRunner runner) {
        this.roots = roots;
        this.runner = runner;
    }

    /**
     * Writes the editor file into the user's driver directory.
     *
     * @param build the cell's BUILD step, already run successfully
     * @return the file written
     */
    public Path write(Step build) throws InterruptedException {
        List<String> make = roots.resolve(build.commands().get(build.commands().size() - 1));
        Path buildDir = roots.path(build.attribute("buildDir"));
        Path source = roots.path(build.attribute("source"));
        boolean rust = build.attribute("language").equals("rust");
        // Same variables as the build (a make on a Rust tree without RUSTC would drop CONFIG_RUST),
        // another goal, and for Rust the user's directory so the project file names their sources.
        List<String> argv = new ArrayList<>();
        for (String a : make.subList(0, make.size() - 1)) {
            argv.add(rust && a.startsWith("M=") ? "M=" + source : a);
        }
        argv.add(rust ? "rust-analyzer" : "compile_commands.json");
        try {
            Path log = Files.createTempFile("kforge-ide", ".log");
            ProcessResult r = runner.run(
                    new ProcessSpec(argv, build.env(), roots.path(build.cwd()), Optional.of(log), Optional.empty()));
            String last = String.join("", LogLines.last(log, 1)).strip();
            Files.deleteIfExists(log);
            Path objtree = Path.of(objtree(make));
            if (!r.succeeded()
                    && !rust
                    && !Files.isRegularFile(objtree.resolve("scripts/clang-tools/gen_compile_commands.py"))) {
                // Distribution headers ship no gen_compile_commands.py: read Kbuild's .cmd files as it would.
                Path file = source.resolve("compile_commands.json");
                Files.writeString(
                        file,
                        fromCmdFiles(buildDir, objtree)
                                .replace(buildDir + "/", source + "/")
                                .replace(buildDir.toString(), source.toString()));
                return file;
            }
            if (!r.succeeded()) {
                throw new KforgeException(
                        KforgeException.Kind.BUILD,
                        build.id() + ": make " + argv.get(argv.size() - 1) + " failed: " + last,
                        "kforge explain shows the build");
            }
            if (rust) {
                Path file = source.resolve("rust-project.json");
                if (!Files.isRegularFile(file)) {
                    throw new KforgeException(KforgeException.Kind.BUILD, "make rust-analyzer wrote no " + file, "");
                }
                return file;
            }
            // Streamed line by line (the file grows with the driver), build paths turned into the user's.
            Path file = source.resolve("compile_commands.json");
            Path tmp = Files.createTempFile(source, ".compile_commands", ".tmp");
            try (var in = Files.newBufferedReader(buildDir.resolve("compile_commands.json"));
                    var out = Files.newBufferedWriter(tmp)) {
                String line;
                while ((line = in.readLine()) != null) {
                    out.write(
                            line.replace(buildDir + "/", source + "/").replace(buildDir.toString(), source.toString()));
                    out.newLine();
                }
            }
            Modes.publish(tmp);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (IOException e) {
            throw KforgeException.environment(
                    build.id() + ": " + e.getMessage(), "check that the driver directory is writable");
        }
    }

    /** The directory make builds in: O= when given, else -C (a headers tree). */
    private static String objtree(List<String> make) {
        for (String a : make) {
            if (a.startsWith("O=")) {
                return a.substring(2);
            }
        }
        int c = make.indexOf("-C");
        return c >= 0 && c + 1 < make.size() ? make.get(c + 1) : ".";
    }

    /**
     * compile_commands.json from the {@code .NAME.o.cmd} files Kbuild leaves in the build directory
     * ({@code cmd_OBJ := COMMAND} and {@code source_OBJ := FILE}), as the kernel's own
     * gen_compile_commands.py reads them; commands run in {@code objtree}.
     */
    static String fromCmdFiles(Path buildDir, Path objtree) throws IOException {
        List<Map<String, Object>> entries = new ArrayList<>();
        try (var files = Files.walk(buildDir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().matches("\\..+\\.o\\.cmd"))
                    .sorted()
                    .toList()) {
                String command = null;
                String file = null;
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    if ((line.startsWith("cmd_") || line.startsWith("savedcmd_"))
                            && line.contains(" := ")
                            && command == null) {
                        command = line.substring(line.indexOf(" := ") + 4).strip();
                    } else if (line.startsWith("source_") && line.contains(" := ")) {
                        file = line.substring(line.indexOf(" := ") + 4).strip();
                    }
                }
                if (command != null && file != null && file.endsWith(".c") && !file.endsWith(".mod.c")) {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("command", command);
                    e.put("directory", objtree.toString());
                    e.put("file", objtree.resolve(file).normalize().toString());
                    entries.add(e);
                }
            }
        }
        return CanonicalJson.write(entries);
    }
}
