package dev.kforge.core.manifest;

import dev.kforge.core.KforgeException;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.digest.InputLog;
import dev.kforge.core.manifest.TableReader.Positioned;
import dev.kforge.core.model.Driver;
import dev.kforge.core.model.ExpectedFailure;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.MatrixSpec;
import dev.kforge.core.model.SourcePos;
import dev.kforge.core.model.ToolchainRoot;
import dev.kforge.core.model.Workspace;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.tomlj.Toml;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;

/**
 * Reads kforge.toml into a {@link Workspace}. The only class in kforge that knows TOML. Every
 * problem is a {@link ManifestException} with FILE:LINE:COL and a hint; see docs/manifest.md.
 */
public final class ManifestLoader {

    private static final Set<String> TOP =
            Set.of("workspace", "kernel", "driver", "matrix", "toolchain_root", "signing", "xfail", "package");
    private static final Set<String> XFAIL = Set.of("driver", "kernel", "arch", "from", "reason");
    private static final Set<String> ROOT = Set.of("name", "debian");
    private static final Set<String> WORKSPACE = Set.of("name", "out", "remote-cache");
    private static final Set<String> MATRIX = Set.of("drivers", "kernels", "arches", "toolchains", "exclude");
    private static final Set<String> EXCLUDE = Set.of("kernel", "arch", "toolchain");

    private final ManifestRefs refs;
    private final InputLog inputs;

    public ManifestLoader(Catalog catalog) {
        this(catalog, new InputLog());
    }

    /** @param inputs where the files loading looks at besides the manifest are recorded (for the plan cache) */
    public ManifestLoader(Catalog catalog, InputLog inputs) {
        this.refs = new ManifestRefs(catalog);
        this.inputs = inputs;
    }

    /**
     * Loads a manifest.
     *
     * @param manifest the file
     * @param displayName how errors name the file (the path as the user typed it)
     */
    public Workspace load(Path manifest, String displayName) {
        return parse(
                read(manifest, displayName),
                displayName,
                manifest.toAbsolutePath().getParent());
    }

    /** The manifest's text, with the errors {@link #load} gives for a missing or unreadable one. */
    public static String read(Path manifest, String displayName) {
        String text;
        try {
            text = Files.readString(manifest, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw KforgeException.userInput(
                    "manifest " + displayName + " not found",
                    "run kforge in the directory holding kforge.toml, pass -f FILE, or create one with kforge init");
        } catch (MalformedInputException e) {
            throw new ManifestException(
                    new SourcePos(displayName, 1, 1), "manifest is not valid UTF-8", "save kforge.toml as UTF-8");
        } catch (IOException e) {
            throw KforgeException.userInput(
                    "cannot read manifest " + displayName + ": " + e.getMessage(),
                    "check that the file exists and is readable");
        }
        return text;
    }

    /** Parses manifest text; {@code root} is the workspace directory that relative paths start from. */
    public Workspace parse(String text, String displayName, Path root) {
        TomlParseResult toml = Toml.parse(text);
        if (toml.hasErrors()) {
            TomlParseError e = toml.errors().get(0);
            var p = e.position();
            throw new ManifestException(
                    new SourcePos(displayName, Math.max(1, p.line()), Math.max(1, p.column())),
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
                throw new ManifestException(
                        ws.get().posOf("remote-cache"),
                        "remote-cache must be an http:// or https:// URL",
                        "e.g. remote-cache = \"http://cache.example:8080/kforge\"; credentials go in KFORGE_REMOTE_CACHE_HEADER");
            }
            if (remote.isPresent()
                    && (remote.get().matches("https?://[^/?#]*@.*")
                            || remote.get().contains("?"))) {
                // A manifest is committed and remembered with the plan: no credentials in it.
                throw new ManifestException(
                        ws.get().posOf("remote-cache"),
                        "remote-cache must not carry credentials (user:password@ or a ?query)",
                        "name the server here and give the credentials at run time: KFORGE_REMOTE_CACHE_HEADER, "
                                + "or the whole URL in KFORGE_REMOTE_CACHE / --remote-cache");
            }
            if (ws.get().has("out")) {
                out = ManifestRefs.relativePath(ws.get(), "out", ws.get().string("out"));
            }
        }

        List<ToolchainRoot> roots = roots(top);
        List<KernelSource> kernels = new KernelTables(refs).read(top, roots);
        List<Driver> drivers = new DriverTables(refs, inputs).read(top, root);
        List<MatrixSpec> matrices = matrices(top, kernels, drivers);
        DriverTables.checkDependencies(drivers, displayName);
        return new Workspace(
                name,
                displayName,
                out,
                kernels,
                drivers,
                matrices,
                remote,
                roots,
                SigningTables.signing(top),
                xfail(top, kernels, drivers),
                PackageTables.packaging(top));
    }

    /** {@code [[toolchain_root]]}: a name and the Debian suite it is made from. */
    private List<ToolchainRoot> roots(TableReader top) {
        Map<String, ToolchainRoot> byName = new LinkedHashMap<>();
        for (TableReader t : top.tables("toolchain_root")) {
            t.onlyKeys(ROOT);
            String name = refs.name(t, "toolchain root");
            if (byName.containsKey(name)) {
                throw new ManifestException(
                        t.posOf("name"),
                        "duplicate toolchain root name '" + name + "'",
                        "first declared at " + byName.get(name).pos() + "; toolchain root names must be unique");
            }
            String suite = t.string("debian");
            if (!suite.matches("[a-z][a-z0-9-]*")) {
                throw new ManifestException(
                        t.posOf("debian"),
                        "'" + suite + "' is not a Debian suite name",
                        "name the suite as debootstrap does: debian = \"trixie\"");
            }
            byName.put(name, new ToolchainRoot(name, suite, t.pos()));
        }
        return List.copyOf(byName.values());
    }

    /** {@code [[xfail]]}: cells a driver is known to fail on, each with its reason. */
    private List<ExpectedFailure> xfail(TableReader top, List<KernelSource> kernels, List<Driver> drivers) {
        List<String> driverNames = drivers.stream().map(Driver::name).toList();
        List<String> kernelNames = kernels.stream().map(KernelSource::name).toList();
        List<ExpectedFailure> out = new ArrayList<>();
        for (TableReader t : top.tables("xfail")) {
            t.onlyKeys(XFAIL);
            String driver = t.string("driver");
            if (!driverNames.contains(driver)) {
                throw new ManifestException(
                        t.posOf("driver"),
                        "[[xfail]] names unknown driver '" + driver + "'",
                        Suggest.hint(driver, driverNames, "name a driver declared with [[driver]]"));
            }
            Optional<String> kernel = t.optString("kernel")
                    .map(k -> ManifestRefs.kernel(new Positioned(k, t.posOf("kernel")), kernelNames));
            Optional<String> arch = t.optString("arch").map(a -> refs.arch(new Positioned(a, t.posOf("arch"))));
            Optional<String> from = t.optString("from");
            if (from.isPresent() && !from.get().matches("\\d+(\\.\\d+){0,2}")) {
                throw new ManifestException(
                        t.posOf("from"),
                        "[[xfail]] from must be a kernel version such as \"7.0\", not '" + from.get() + "'",
                        "from = \"7.0\" covers 7.0 and every newer kernel");
            }
            String reason = t.optString("reason").orElse("");
            if (reason.isBlank()) {
                throw new ManifestException(
                        t.pos(), "[[xfail]] needs a reason", "reason = \"uses an API removed in 7.0 (issue #12)\"");
            }
            out.add(new ExpectedFailure(driver, kernel, arch, from, reason, t.pos()));
        }
        return out;
    }

    /** A matrix's {@code drivers}, each one declared. */
    private static List<String> matrixDrivers(TableReader t, List<String> driverNames) {
        List<String> ds = new ArrayList<>();
        for (Positioned d : t.strings("drivers")) {
            if (!driverNames.contains(d.value())) {
                throw new ManifestException(
                        d.pos(),
                        "unknown driver '" + d.value() + "' (declared: "
                                + (driverNames.isEmpty() ? "none" : String.join(", ", driverNames)) + ")",
                        Suggest.hint(
                                d.value(), driverNames, "declare it with [[driver]] name = \"" + d.value() + "\""));
            }
            ds.add(d.value());
        }
        return ds;
    }

    /** A matrix's {@code [[matrix.exclude]]} entries, each naming what exists. */
    private List<MatrixSpec.Exclude> excludes(TableReader t, List<String> kernelNames) {
        List<MatrixSpec.Exclude> excludes = new ArrayList<>();
        for (TableReader e : t.tables("exclude")) {
            e.onlyKeys(EXCLUDE);
            String k = e.optString("kernel")
                    .map(v -> ManifestRefs.kernel(new Positioned(v, e.posOf("kernel")), kernelNames))
                    .orElse("");
            String a = e.optString("arch")
                    .map(v -> refs.arch(new Positioned(v, e.posOf("arch"))))
                    .orElse("");
            String tc = e.optString("toolchain")
                    .map(v -> refs.toolchain(new Positioned(v, e.posOf("toolchain"))))
                    .orElse("");
            excludes.add(new MatrixSpec.Exclude(k, a, tc, e.pos()));
        }
        return excludes;
    }

    private List<MatrixSpec> matrices(TableReader top, List<KernelSource> kernels, List<Driver> drivers) {
        List<String> driverNames = drivers.stream().map(Driver::name).toList();
        List<TableReader> tables = top.tables("matrix");
        if (tables.isEmpty()) {
            throw new ManifestException(
                    top.pos(),
                    "no [[matrix]] table",
                    "add [[matrix]] with kernels = [...], arches = [...], toolchains = [\"gcc\"]");
        }
        List<String> kernelNames = kernels.stream().map(KernelSource::name).toList();
        List<MatrixSpec> out = new ArrayList<>();
        for (TableReader t : tables) {
            t.onlyKeys(MATRIX);
            List<String> ds = matrixDrivers(t, driverNames);
            List<String> ks = new ArrayList<>();
            for (Positioned k : t.strings("kernels")) {
                ks.add(ManifestRefs.kernel(k, kernelNames));
            }
            if (!t.has("kernels")) {
                ks.addAll(kernelNames);
            }
            if (ks.isEmpty()) {
                throw new ManifestException(t.pos(), t.where() + " names no kernel", "declare a [[kernel]] first");
            }
            List<String> arches = new ArrayList<>();
            for (Positioned a : t.strings("arches")) {
                arches.add(refs.arch(a));
            }
            if (arches.isEmpty()) {
                throw new ManifestException(
                        t.pos(),
                        t.where() + " names no architecture",
                        "add arches = [\"x86_64\", \"arm64\"] (known: " + refs.archKeys() + ")");
            }
            List<String> toolchains = new ArrayList<>();
            for (Positioned tc : t.strings("toolchains")) {
                toolchains.add(refs.toolchain(tc));
            }
            if (!t.has("toolchains")) {
                toolchains.add("gcc");
            }
            List<MatrixSpec.Exclude> excludes = excludes(t, kernelNames);
            out.add(new MatrixSpec(ds, ks, arches, toolchains, excludes, t.pos()));
        }
        return out;
    }
}
