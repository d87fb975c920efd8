package dev.kforge.cli;

import dev.kforge.core.KforgeException;
import dev.kforge.core.model.Names;
import dev.kforge.kbuild.KernelDiscovery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "init", description = "Write a starter kforge.toml for a directory holding Kbuild drivers.")
final class InitCommand implements Callable<Integer> {

    private static final Pattern OBJ_M = Pattern.compile("(?m)^\\s*obj-(m|\\$\\([A-Z0-9_]+\\))\\s*[+:]?=");

    @ParentCommand
    KforgeCommand root;

    @Parameters(
            arity = "0..1",
            paramLabel = "DIR",
            defaultValue = ".",
            description = "The workspace directory (default: .).")
    Path dir;

    @Option(names = "--force", description = "Overwrite an existing kforge.toml.")
    boolean force;

    @Override
    public Integer call() throws IOException {
        Path ws = root.context.cwd().resolve(dir).normalize();
        if (!Files.isDirectory(ws)) {
            throw KforgeException.userInput(
                    dir + " is not a directory", "kforge init DIR takes the workspace directory");
        }
        Path manifest = ws.resolve("kforge.toml");
        if (Files.exists(manifest) && !force) {
            throw KforgeException.userInput(manifest + " exists", "pass --force to overwrite it");
        }
        List<Path> drivers = drivers(ws);
        StringBuilder t = new StringBuilder();
        t.append("# Written by kforge init; see docs/manifest.md.\n[workspace]\nname = ")
                .append(toml(ws.getFileName().toString()))
                .append("\n\n");
        List<String> kernelNames = kernels(t);
        Set<String> driverNames = new HashSet<>();
        for (Path d : drivers) {
            String name = driverName(
                    d.equals(ws) ? ws.getFileName().toString() : d.getFileName().toString());
            while (!driverNames.add(name)) {
                name = name + "_";
            }
            t.append("[[driver]]\nname = ")
                    .append(toml(name))
                    .append("\npath = ")
                    .append(toml(d.equals(ws) ? "." : ws.relativize(d).toString()))
                    .append("\n\n");
        }
        // Debian's kernel lines, proposed: each release's newest kernel, built with its own compiler.
        t.append("# Debian's kernel lines: each release's newest kernel (the oldest LTS to the next release\n")
                .append("# candidate), each built with its own compiler; out/compat.md says where the drivers build.\n")
                .append("# To sweep them, uncomment this and add \"lines\" to the matrix's kernels:\n")
                .append("# [[kernel]]\n# name = \"lines\"\n# debian = \"latest\"\n")
                .append(
                        "# suites = [\"bullseye\", \"bookworm-backports\", \"trixie-backports\", \"sid\", \"experimental\"]\n\n");
        t.append("[[matrix]]\nkernels = [");
        for (int i = 0; i < kernelNames.size(); i++) {
            t.append(i == 0 ? "" : ", ").append(toml(kernelNames.get(i)));
        }
        t.append("]\narches = [\"x86_64\"]\ntoolchains = [\"gcc\"]\n");
        Files.writeString(manifest, t.toString());
        root.out()
                .println("wrote " + manifest + " with " + drivers.size() + " driver(s) and " + kernelNames.size()
                        + " kernel(s); next: kforge plan --format text");
        root.out().flush();
        return 0;
    }

    /** Directories (up to 4 deep, out/ and hidden ones left out) whose Kbuild or Makefile sets obj-m. */
    private static List<Path> drivers(Path ws) throws IOException {
        List<Path> drivers = new ArrayList<>();
        try (Stream<Path> s = Files.walk(ws, 4)) {
            for (Path p : s.filter(Files::isDirectory).sorted().toList()) {
                if (p.toString().contains("/.") || p.startsWith(ws.resolve("out"))) {
                    continue;
                }
                for (String f : List.of("Kbuild", "Makefile")) {
                    Path file = p.resolve(f);
                    if (Files.isRegularFile(file)
                            && OBJ_M.matcher(Files.readString(file)).find()) {
                        drivers.add(p);
                        break;
                    }
                }
            }
        }
        if (drivers.isEmpty()) {
            throw KforgeException.userInput(
                    "no Kbuild driver found below " + ws,
                    "a driver directory holds a Kbuild or Makefile with obj-m += NAME.o");
        }
        return drivers;
    }

    /** A [[kernel]] table per kernel found on this machine (a placeholder when none); their names. */
    private List<String> kernels(StringBuilder t) {
        List<String> kernelNames = new ArrayList<>();
        for (KernelDiscovery.Found f : new KernelDiscovery().find()) {
            String name = f.kind().equals("headers") ? "host" : "v" + f.version();
            if (kernelNames.contains(name) || !Names.isValid(name)) {
                continue;
            }
            kernelNames.add(name);
            String path = f.kind().equals("headers") && f.path().toString().contains("linux-headers-")
                    ? f.path().toString().replaceAll("linux-headers-[0-9][^/]*-([a-z0-9]+)$", "linux-headers-*-$1")
                    : f.path().toString();
            t.append("[[kernel]]\nname = ")
                    .append(toml(name))
                    .append("\n")
                    .append(f.kind())
                    .append(" = ")
                    .append(toml(path))
                    .append("\n\n");
        }
        if (kernelNames.isEmpty()) {
            kernelNames.add("host");
            t.append("[[kernel]]\nname = \"host\"\nheaders = \"/lib/modules/")
                    .append("KERNEL-RELEASE")
                    .append("/build\"\n\n");
            root.err()
                    .println(
                            "kforge: no kernel found on this machine; edit the [[kernel]] path (kforge kernels lists them)");
        }
        return kernelNames;
    }

    /** A TOML basic string: quotes, backslashes and control characters escaped. */
    static String toml(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format(Locale.ROOT, "\\u%04X", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** A directory name made into a valid driver name (kforge.toml's naming rule). */
    static String driverName(String dir) {
        String n = dir.replaceAll("[^A-Za-z0-9._+-]", "_");
        if (n.isEmpty() || !Character.isLetterOrDigit(n.charAt(0))) {
            n = "d" + n;
        }
        return n.length() > 64 ? n.substring(0, 64) : n;
    }
}
