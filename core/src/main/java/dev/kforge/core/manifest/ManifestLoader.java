package dev.kforge.core.manifest;

import dev.kforge.core.KforgeException;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.manifest.TableReader.Positioned;
import dev.kforge.core.model.CargoCrate;
import dev.kforge.core.model.Driver;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.Language;
import dev.kforge.core.model.MatrixSpec;
import dev.kforge.core.model.Names;
import dev.kforge.core.model.SourcePos;
import dev.kforge.core.model.Workspace;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.tomlj.Toml;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;

/**
 * Reads kforge.toml into a {@link Workspace}. The only class in kforge that knows TOML. Every
 * problem is a {@link ManifestException} with FILE:LINE:COL and a hint; see docs/manifest.md.
 */
public final class ManifestLoader {

    private static final Set<String> TOP = Set.of("workspace", "kernel", "driver", "matrix");
    private static final Set<String> WORKSPACE = Set.of("name", "out", "remote-cache");
    private static final Set<String> KERNEL = Set.of("name", "headers", "source", "config", "fragments");
    private static final Set<String> DRIVER = Set.of("name", "path", "arches", "requires", "depends", "make", "cargo", "timeout");
    private static final Set<String> CARGO = Set.of("path", "role");
    private static final Set<String> MATRIX = Set.of("drivers", "kernels", "arches", "toolchains", "exclude");
    private static final Set<String> EXCLUDE = Set.of("kernel", "arch", "toolchain");
    private static final Pattern CONFIG_OPTION = Pattern.compile("CONFIG_[A-Z0-9_]+");
    private static final Pattern MAKE_VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Catalog catalog;

    public ManifestLoader(Catalog catalog) {
        this.catalog = catalog;
    }

    /**
     * Loads a manifest.
     *
     * @param manifest the file
     * @param displayName how errors name the file (the path as the user typed it)
     */
    public Workspace load(Path manifest, String displayName) {
        String text;
        try {
            text = Files.readString(manifest, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw KforgeException.userInput("manifest " + displayName + " not found",
                    "run kforge in the directory holding kforge.toml, pass -f FILE, or create one with kforge init");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new ManifestException(new SourcePos(displayName, 1, 1), "manifest is not valid UTF-8",
                    "save kforge.toml as UTF-8");
        } catch (IOException e) {
            throw KforgeException.userInput("cannot read manifest " + displayName + ": " + e.getMessage(),
                    "check that the file exists and is readable");
        }
        return parse(text, displayName, manifest.toAbsolutePath().getParent());
    }

    /** Parses manifest text; {@code root} is the workspace directory that relative paths start from. */
    public Workspace parse(String text, String displayName, Path root) {
        TomlParseResult toml = Toml.parse(text);
        if (toml.hasErrors()) {
            TomlParseError e = toml.errors().get(0);
            var p = e.position();
            throw new ManifestException(new SourcePos(displayName, Math.max(1, p.line()), Math.max(1, p.column())),
                    "TOML syntax: " + e.getMessage().replaceAll(" \\(line \\d+, column \\d+\\)$", ""),
                    "see https://toml.io for the syntax; docs/manifest.md for kforge's keys");
        }
        TableReader top = new TableReader(displayName, "", toml, new SourcePos(displayName, 1, 1));
        top.onlyKeys(TOP);

        String name = "workspace";
        String out = "out";
        Optional<String> remote = Optional.empty();
        Optional<TableReader> ws = top.table("workspace");
        if (ws.isPresent()) {
            ws.get().onlyKeys(WORKSPACE);
            name = ws.get().optString("name").orElse(name);
            remote = ws.get().optString("remote-cache");
            if (remote.isPresent() && !remote.get().matches("https?://[^\\s]+")) {
                throw new ManifestException(ws.get().posOf("remote-cache"), "remote-cache must be an http:// or https:// URL",
                        "e.g. remote-cache = \"http://cache.example:8080/kforge\"; credentials go in KFORGE_REMOTE_CACHE_HEADER");
            }
            if (ws.get().has("out")) {
                out = relativePath(ws.get(), "out", ws.get().string("out"));
            }
        }

        List<KernelSource> kernels = kernels(top);
        List<Driver> drivers = drivers(top, root);
        List<MatrixSpec> matrices = matrices(top, kernels, drivers);
        checkDependencies(drivers, displayName);
        return new Workspace(name, displayName, out, kernels, drivers, matrices, remote);
    }

    private List<KernelSource> kernels(TableReader top) {
        Map<String, KernelSource> byName = new LinkedHashMap<>();
        for (TableReader t : top.tables("kernel")) {
            t.onlyKeys(KERNEL);
            String name = name(t, "kernel");
            if (byName.containsKey(name)) {
                throw new ManifestException(t.posOf("name"), "duplicate kernel name '" + name + "'",
                        "first declared at " + byName.get(name).pos() + "; kernel names must be unique");
            }
            boolean headers = t.has("headers");
            boolean source = t.has("source");
            if (headers == source) {
                throw new ManifestException(t.pos(), "kernel '" + name + "' needs exactly one of 'headers' or 'source'",
                        "headers = \"/usr/src/linux-headers-*-amd64\" for a prepared tree; "
                                + "source = \"/usr/src/linux-source-6.1.tar.xz\" for a tree kforge prepares");
            }
            KernelSource.Kind kind = headers ? KernelSource.Kind.HEADERS : KernelSource.Kind.SOURCE;
            String path = t.string(headers ? "headers" : "source");
            if (path.isBlank()) {
                throw new ManifestException(t.posOf(headers ? "headers" : "source"), "kernel path is empty",
                        "name a directory or a .tar.xz");
            }
            Optional<String> config = t.optString("config");
            List<Positioned> fragments = t.strings("fragments");
            if (headers && (config.isPresent() || !fragments.isEmpty())) {
                throw new ManifestException(t.posOf(config.isPresent() ? "config" : "fragments"),
                        "kernel '" + name + "' is a prepared headers tree; config and fragments apply only to source kernels",
                        "remove config/fragments, or use source = ... so kforge configures the tree");
            }
            if (config.isPresent() && config.get().contains("/")) {
                relativePath(t, "config", config.get());
            }
            List<String> frags = new ArrayList<>();
            for (Positioned f : fragments) {
                frags.add(relativePath(t, f.pos(), f.value()));
            }
            byName.put(name, new KernelSource(name, kind, path, config, frags, t.pos()));
        }
        return List.copyOf(byName.values());
    }

    private List<Driver> drivers(TableReader top, Path root) {
        Map<String, Driver> byName = new LinkedHashMap<>();
        for (TableReader t : top.tables("driver")) {
            t.onlyKeys(DRIVER);
            String name = name(t, "driver");
            if (byName.containsKey(name)) {
                throw new ManifestException(t.posOf("name"), "duplicate driver name '" + name + "'",
                        "first declared at " + byName.get(name).pos() + "; driver names must be unique");
            }
            String path = relativePath(t, "path", t.string("path"));
            Path dir = root.resolve(path).normalize();
            if (Files.isDirectory(dir) && !insideWorkspace(root, dir)) {
                throw new ManifestException(t.posOf("path"), "driver '" + name + "': '" + path
                        + "' resolves (through a symbolic link) outside the workspace",
                        "keep driver sources inside the directory holding the manifest; copy them in rather than linking out");
            }
            if (!Files.isDirectory(dir)) {
                throw new ManifestException(t.posOf("path"), "driver '" + name + "': directory '" + path + "' does not exist",
                        "path is relative to the directory holding the manifest");
            }
            if (!Files.isRegularFile(dir.resolve("Kbuild")) && !Files.isRegularFile(dir.resolve("Makefile"))) {
                throw new ManifestException(t.posOf("path"), "driver '" + name + "': '" + path + "' has no Kbuild or Makefile",
                        "an out-of-tree module needs a Kbuild file such as: obj-m += " + name + ".o");
            }
            List<String> arches = new ArrayList<>();
            for (Positioned a : t.strings("arches")) {
                arches.add(arch(a));
            }
            List<String> requires = new ArrayList<>();
            for (Positioned r : t.strings("requires")) {
                if (!CONFIG_OPTION.matcher(r.value()).matches()) {
                    throw new ManifestException(r.pos(), "'" + r.value() + "' is not a kernel config option",
                            "write options as Kconfig names them, e.g. \"CONFIG_PCI\"");
                }
                requires.add(r.value());
            }
            List<String> depends = t.strings("depends").stream().map(Positioned::value).toList();
            var make = t.stringTable("make");
            for (String var : make.keySet()) {
                if (!MAKE_VARIABLE.matcher(var).matches()) {
                    throw new ManifestException(t.posOf("make"), "'" + var + "' is not a make variable name",
                            "use letters, digits and underscores");
                }
            }
            List<CargoCrate> cargo = new ArrayList<>();
            for (TableReader c : t.tables("cargo")) {
                c.onlyKeys(CARGO);
                String cpath = relativePath(c, "path", c.string("path"));
                if (!Files.isRegularFile(root.resolve(cpath).resolve("Cargo.toml"))) {
                    throw new ManifestException(c.posOf("path"), "driver '" + name + "': '" + cpath + "' has no Cargo.toml",
                            "cargo.path names a crate directory, relative to the manifest");
                }
                String role = c.string("role");
                CargoCrate.Role r;
                try {
                    r = CargoCrate.Role.valueOf(role.toUpperCase(java.util.Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    throw new ManifestException(c.posOf("role"), "unknown cargo role '" + role + "' (known: test, tool)",
                            "test: cargo test on the host; tool: cross-built for every target architecture");
                }
                String crate = Path.of(cpath).getFileName().toString();
                if (!Names.isValid(crate) || cargo.stream().anyMatch(x -> x.name().equals(crate))) {
                    throw new ManifestException(c.posOf("path"), "driver '" + name + "': crate directory name '" + crate
                            + "' is invalid or used twice", "give each crate its own directory name (" + Names.rule() + ")");
                }
                cargo.add(new CargoCrate(crate, cpath, r, c.pos()));
            }
            long timeout = t.optLong("timeout").orElse(0L);
            if (timeout < 0 || timeout > 86_400) {
                throw new ManifestException(t.posOf("timeout"), "timeout must be between 1 and 86400 seconds, not " + timeout,
                        "timeout = 600 limits each build of this driver to ten minutes");
            }
            byName.put(name, new Driver(name, path, inferLanguage(dir), arches, requires, depends, make, cargo, timeout, t.pos()));
        }
        return List.copyOf(byName.values());
    }

    private List<MatrixSpec> matrices(TableReader top, List<KernelSource> kernels, List<Driver> drivers) {
        List<String> driverNames = drivers.stream().map(Driver::name).toList();
        List<TableReader> tables = top.tables("matrix");
        if (tables.isEmpty()) {
            throw new ManifestException(top.pos(), "no [[matrix]] table",
                    "add [[matrix]] with kernels = [...], arches = [...], toolchains = [\"gcc\"]");
        }
        List<String> kernelNames = kernels.stream().map(KernelSource::name).toList();
        List<MatrixSpec> out = new ArrayList<>();
        for (TableReader t : tables) {
            t.onlyKeys(MATRIX);
            List<String> ds = new ArrayList<>();
            for (Positioned d : t.strings("drivers")) {
                if (!driverNames.contains(d.value())) {
                    throw new ManifestException(d.pos(), "unknown driver '" + d.value() + "' (declared: "
                            + (driverNames.isEmpty() ? "none" : String.join(", ", driverNames)) + ")",
                            Suggest.hint(d.value(), driverNames, "declare it with [[driver]] name = \"" + d.value() + "\""));
                }
                ds.add(d.value());
            }
            List<String> ks = new ArrayList<>();
            for (Positioned k : t.strings("kernels")) {
                ks.add(kernel(k, kernelNames));
            }
            if (!t.has("kernels")) {
                ks.addAll(kernelNames);
            }
            if (ks.isEmpty()) {
                throw new ManifestException(t.pos(), t.where() + " names no kernel", "declare a [[kernel]] first");
            }
            List<String> arches = new ArrayList<>();
            for (Positioned a : t.strings("arches")) {
                arches.add(arch(a));
            }
            if (arches.isEmpty()) {
                throw new ManifestException(t.pos(), t.where() + " names no architecture",
                        "add arches = [\"x86_64\", \"arm64\"] (known: " + archKeys() + ")");
            }
            List<String> toolchains = new ArrayList<>();
            for (Positioned tc : t.strings("toolchains")) {
                toolchains.add(toolchain(tc));
            }
            if (!t.has("toolchains")) {
                toolchains.add("gcc");
            }
            List<MatrixSpec.Exclude> excludes = new ArrayList<>();
            for (TableReader e : t.tables("exclude")) {
                e.onlyKeys(EXCLUDE);
                String k = e.optString("kernel").map(v -> kernel(new Positioned(v, e.posOf("kernel")), kernelNames)).orElse("");
                String a = e.optString("arch").map(v -> arch(new Positioned(v, e.posOf("arch")))).orElse("");
                String tc = e.optString("toolchain").map(v -> toolchain(new Positioned(v, e.posOf("toolchain")))).orElse("");
                excludes.add(new MatrixSpec.Exclude(k, a, tc, e.pos()));
            }
            out.add(new MatrixSpec(ds, ks, arches, toolchains, excludes, t.pos()));
        }
        return out;
    }

    private void checkDependencies(List<Driver> drivers, String file) {
        Map<String, Driver> byName = new LinkedHashMap<>();
        drivers.forEach(d -> byName.put(d.name(), d));
        for (Driver d : drivers) {
            for (String dep : d.dependsOn()) {
                if (!byName.containsKey(dep)) {
                    throw new ManifestException(d.pos(), "driver '" + d.name() + "' depends on unknown driver '" + dep + "'",
                            Suggest.hint(dep, byName.keySet(), "known drivers: " + String.join(", ", byName.keySet())));
                }
                if (dep.equals(d.name())) {
                    throw new ManifestException(d.pos(), "driver '" + d.name() + "' depends on itself", "remove it from depends");
                }
            }
        }
        // Depth-first search; the path on the stack is the cycle to report.
        Map<String, Integer> state = new LinkedHashMap<>();
        for (Driver d : drivers) {
            List<String> stack = new ArrayList<>();
            findCycle(d.name(), byName, state, stack);
        }
    }

    private void findCycle(String name, Map<String, Driver> byName, Map<String, Integer> state, List<String> stack) {
        Integer s = state.get(name);
        if (s != null && s == 2) {
            return;
        }
        if (s != null && s == 1) {
            List<String> cycle = new ArrayList<>(stack.subList(stack.indexOf(name), stack.size()));
            cycle.add(name);
            Driver first = byName.get(name);
            throw new ManifestException(first.pos(), "dependency cycle: " + String.join(" -> ", cycle),
                    "a module cannot use symbols from a module that uses its own; break the cycle in depends");
        }
        state.put(name, 1);
        stack.add(name);
        for (String dep : byName.get(name).dependsOn()) {
            findCycle(dep, byName, state, stack);
        }
        stack.remove(stack.size() - 1);
        state.put(name, 2);
    }

    private String name(TableReader t, String what) {
        String name = t.string("name");
        if (!Names.isValid(name)) {
            throw new ManifestException(t.posOf("name"), "invalid " + what + " name '" + name + "'", "use " + Names.rule());
        }
        return name;
    }

    private String arch(Positioned a) {
        return catalog.arch(a.value()).map(x -> x.key()).orElseThrow(() -> new ManifestException(a.pos(),
                "unknown architecture '" + a.value() + "' (known: " + archKeys() + ")",
                Suggest.hint(a.value(), archNames(), "see kforge list arches")));
    }

    private java.util.Map<String, String> archNames() {
        java.util.Map<String, String> names = new java.util.TreeMap<>();
        catalog.arches().forEach(a -> {
            names.put(a.key(), a.key());
            a.aliases().forEach(alias -> names.put(alias, a.key()));
        });
        return names;
    }

    private String toolchain(Positioned t) {
        List<String> known = catalog.toolchains().stream().map(x -> x.key()).toList();
        return catalog.toolchain(t.value()).map(x -> x.key()).orElseThrow(() -> new ManifestException(t.pos(),
                "unknown toolchain '" + t.value() + "' (known: " + String.join(", ", known) + ")",
                Suggest.hint(t.value(), known, "see kforge list toolchains")));
    }

    private static String kernel(Positioned k, List<String> known) {
        if (!known.contains(k.value())) {
            throw new ManifestException(k.pos(), "unknown kernel '" + k.value() + "' (declared: "
                    + (known.isEmpty() ? "none" : String.join(", ", known)) + ")",
                    Suggest.hint(k.value(), known, "declare it with [[kernel]] name = \"" + k.value() + "\""));
        }
        return k.value();
    }

    private String archKeys() {
        return String.join(", ", catalog.arches().stream().map(a -> a.key()).toList());
    }

    private static String relativePath(TableReader t, String key, String value) {
        return relativePath(t, t.posOf(key), value);
    }

    /** Workspace paths must stay inside the workspace: no absolute paths, no escaping '..'. */
    private static String relativePath(TableReader t, SourcePos pos, String value) {
        Path p;
        try {
            p = Path.of(value);
        } catch (java.nio.file.InvalidPathException e) {
            throw new ManifestException(pos, "invalid path '" + value + "'", "use a plain relative path");
        }
        Path n = p.normalize();
        if (p.isAbsolute() || n.startsWith("..") || value.isBlank()) {
            throw new ManifestException(pos, "path '" + value + "' leaves the workspace",
                    "paths in " + t.where() + " are relative to the manifest's directory and stay below it");
        }
        String s = n.toString().replace('\\', '/');
        return s.isEmpty() ? "." : s;
    }

    /** Whether {@code dir}, with every symbolic link resolved, is inside the workspace. */
    private static boolean insideWorkspace(Path root, Path dir) {
        try {
            return dir.toRealPath().startsWith(root.toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    private static Language inferLanguage(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(".rs") && Files.isRegularFile(f))
                    ? Language.RUST : Language.C;
        } catch (IOException e) {
            return Language.C;
        }
    }
}
