package dev.kforge.core.manifest;

import dev.kforge.core.digest.InputLog;
import dev.kforge.core.manifest.TableReader.Positioned;
import dev.kforge.core.model.CargoCrate;
import dev.kforge.core.model.Driver;
import dev.kforge.core.model.DriverTest;
import dev.kforge.core.model.Language;
import dev.kforge.core.model.Names;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Reads the manifest's {@code [[driver]]} tables (with their cargo crates) and checks the drivers' dependencies. */
final class DriverTables {

    private static final Set<String> DRIVER =
            Set.of("name", "path", "arches", "requires", "depends", "make", "cargo", "timeout", "test", "version");
    private static final Set<String> TEST = Set.of("script", "params", "timeout");
    private static final Set<String> CARGO = Set.of("path", "role");
    private static final Pattern CONFIG_OPTION = Pattern.compile("CONFIG_[A-Z0-9_]+");
    private static final Pattern MAKE_VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final ManifestRefs refs;
    private final InputLog inputs;

    /** @param inputs where the files loading looks at are recorded (for the plan cache) */
    DriverTables(ManifestRefs refs, InputLog inputs) {
        this.refs = refs;
        this.inputs = inputs;
    }

    List<Driver> read(TableReader top, Path root) {
        Map<String, Driver> byName = new LinkedHashMap<>();
        for (TableReader t : top.tables("driver")) {
            t.onlyKeys(DRIVER);
            String name = refs.name(t, "driver");
            if (byName.containsKey(name)) {
                throw new ManifestException(
                        t.posOf("name"),
                        "duplicate driver name '" + name + "'",
                        "first declared at " + byName.get(name).pos() + "; driver names must be unique");
            }
            String path = ManifestRefs.relativePath(t, "path", t.string("path"));
            Path dir = directory(t, name, path, root);
            List<String> arches = new ArrayList<>();
            for (Positioned a : t.strings("arches")) {
                arches.add(refs.arch(a));
            }
            List<String> requires = requires(t);
            List<String> depends =
                    t.strings("depends").stream().map(Positioned::value).toList();
            var make = t.stringTable("make");
            for (String var : make.keySet()) {
                if (!MAKE_VARIABLE.matcher(var).matches()) {
                    throw new ManifestException(
                            t.posOf("make"),
                            "'" + var + "' is not a make variable name",
                            "use letters, digits and underscores");
                }
            }
            List<CargoCrate> cargo = cargo(t, name, root);
            // 0 (no key) means no limit of the driver's own; written out, the limit is 1 to 86400 seconds.
            long timeout = t.optLong("timeout").orElse(0L);
            if (t.has("timeout") && (timeout < 1 || timeout > 86_400)) {
                throw new ManifestException(
                        t.posOf("timeout"),
                        "timeout must be between 1 and 86400 seconds, not " + timeout,
                        "timeout = 600 limits each build of this driver to ten minutes");
            }
            DriverTest test = DriverTest.DEFAULT;
            Optional<TableReader> tt = t.table("test");
            if (tt.isPresent()) {
                test = test(name, root, tt.get());
            }
            byName.put(
                    name,
                    new Driver(
                            name,
                            path,
                            inferLanguage(dir),
                            arches,
                            requires,
                            depends,
                            make,
                            cargo,
                            timeout,
                            test,
                            t.pos(),
                            PackageTables.version(t, "driver '" + name + "'")));
        }
        return List.copyOf(byName.values());
    }

    /** The driver's directory: inside the workspace, with a Kbuild file or Makefile. */
    private Path directory(TableReader t, String name, String path, Path root) {
        Path dir = root.resolve(path).normalize();
        // The directory's stamp stands for its listing: its language, Kbuild or Makefile (a
        // symbolic link on the way is followed, so a retargeted one changes it too).
        inputs.seeAll(List.of(dir, dir.resolve("Kbuild"), dir.resolve("Makefile")));
        if (Files.isDirectory(dir) && !insideWorkspace(root, dir)) {
            throw new ManifestException(
                    t.posOf("path"),
                    "driver '" + name + "': '" + path + "' resolves (through a symbolic link) outside the workspace",
                    "keep driver sources inside the directory holding the manifest; copy them in rather than linking out");
        }
        if (!Files.isDirectory(dir)) {
            throw new ManifestException(
                    t.posOf("path"),
                    "driver '" + name + "': directory '" + path + "' does not exist",
                    "path is relative to the directory holding the manifest");
        }
        if (!Files.isRegularFile(dir.resolve("Kbuild")) && !Files.isRegularFile(dir.resolve("Makefile"))) {
            throw new ManifestException(
                    t.posOf("path"),
                    "driver '" + name + "': '" + path + "' has no Kbuild or Makefile",
                    "an out-of-tree module needs a Kbuild file such as: obj-m += " + name + ".o");
        }
        return dir;
    }

    /** The kernel config options the driver requires. */
    private static List<String> requires(TableReader t) {
        List<String> requires = new ArrayList<>();
        for (Positioned r : t.strings("requires")) {
            if (!CONFIG_OPTION.matcher(r.value()).matches()) {
                throw new ManifestException(
                        r.pos(),
                        "'" + r.value() + "' is not a kernel config option",
                        "write options as Kconfig names them, e.g. \"CONFIG_PCI\"");
            }
            requires.add(r.value());
        }
        return requires;
    }

    /** The driver's [[driver.cargo]] crates. */
    private List<CargoCrate> cargo(TableReader t, String name, Path root) {
        List<CargoCrate> cargo = new ArrayList<>();
        for (TableReader c : t.tables("cargo")) {
            c.onlyKeys(CARGO);
            String cpath = ManifestRefs.relativePath(c, "path", c.string("path"));
            inputs.see(root.resolve(cpath).resolve("Cargo.toml"));
            if (!Files.isRegularFile(root.resolve(cpath).resolve("Cargo.toml"))) {
                throw new ManifestException(
                        c.posOf("path"),
                        "driver '" + name + "': '" + cpath + "' has no Cargo.toml",
                        "cargo.path names a crate directory, relative to the manifest");
            }
            String role = c.string("role");
            CargoCrate.Role r;
            try {
                r = CargoCrate.Role.valueOf(role.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ManifestException(
                        c.posOf("role"),
                        "unknown cargo role '" + role + "' (known: test, tool)",
                        "test: cargo test on the host; tool: cross-built for every target architecture");
            }
            String crate = Path.of(cpath).getFileName().toString();
            if (!Names.isValid(crate) || cargo.stream().anyMatch(x -> x.name().equals(crate))) {
                throw new ManifestException(
                        c.posOf("path"),
                        "driver '" + name + "': crate directory name '" + crate + "' is invalid or used twice",
                        "give each crate its own directory name (" + Names.rule() + ")");
            }
            cargo.add(new CargoCrate(crate, cpath, r, c.pos()));
        }
        return cargo;
    }

    /** {@code [driver.test]}: a guest script that exists in the workspace, insmod parameters, a VM timeout. */
    private DriverTest test(String driver, Path root, TableReader t) {
        t.onlyKeys(TEST);
        Optional<String> script = Optional.empty();
        if (t.has("script")) {
            String s = ManifestRefs.relativePath(t, "script", t.string("script"));
            inputs.see(root.resolve(s));
            if (!Files.isRegularFile(root.resolve(s))) {
                throw new ManifestException(
                        t.posOf("script"),
                        "driver '" + driver + "': test script '" + s + "' does not exist",
                        "script is relative to the directory holding the manifest; the guest runs it with busybox sh");
            }
            script = Optional.of(s);
        }
        String params = t.optString("params").orElse("");
        try {
            DriverTest.words(params);
        } catch (IllegalArgumentException e) {
            throw new ManifestException(
                    t.posOf("params"),
                    "driver '" + driver + "': " + e.getMessage(),
                    "write them as insmod takes them: params = \"debug=1 count=4 msg=\\\"two words\\\"\"; "
                            + "each is passed to insmod as one argument, no shell reads them");
        }
        long timeout = t.optLong("timeout").orElse(DriverTest.DEFAULT_TIMEOUT_SECONDS);
        if (timeout < 1 || timeout > 86_400) {
            throw new ManifestException(
                    t.posOf("timeout"),
                    "test timeout must be between 1 and 86400 seconds, not " + timeout,
                    "timeout = 60 kills the guest if boot, load, script and unload take longer than a minute");
        }
        return new DriverTest(script, params, timeout);
    }

    static void checkDependencies(List<Driver> drivers, String file) {
        Map<String, Driver> byName = new LinkedHashMap<>();
        drivers.forEach(d -> byName.put(d.name(), d));
        for (Driver d : drivers) {
            for (String dep : d.dependsOn()) {
                if (!byName.containsKey(dep)) {
                    throw new ManifestException(
                            d.pos(),
                            "driver '" + d.name() + "' depends on unknown driver '" + dep + "'",
                            Suggest.hint(dep, byName.keySet(), "known drivers: " + String.join(", ", byName.keySet())));
                }
                if (dep.equals(d.name())) {
                    throw new ManifestException(
                            d.pos(), "driver '" + d.name() + "' depends on itself", "remove it from depends");
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

    private static void findCycle(
            String name, Map<String, Driver> byName, Map<String, Integer> state, List<String> stack) {
        Integer s = state.get(name);
        if (s != null && s == 2) {
            return;
        }
        if (s != null && s == 1) {
            List<String> cycle = new ArrayList<>(stack.subList(stack.indexOf(name), stack.size()));
            cycle.add(name);
            Driver first = byName.get(name);
            throw new ManifestException(
                    first.pos(),
                    "dependency cycle: " + String.join(" -> ", cycle),
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
                    ? Language.RUST
                    : Language.C;
        } catch (IOException e) {
            return Language.C;
        }
    }
}
