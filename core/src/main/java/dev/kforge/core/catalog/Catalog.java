package dev.kforge.core.catalog;

import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.Toolchain;
import dev.kforge.core.model.ToolchainFamily;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The built-in architectures and toolchains, one data file each under
 * {@code dev/kforge/core/catalog/}. Adding an architecture is one data file plus its line in
 * {@code index.txt}.
 */
public final class Catalog {

    private static final String ROOT = "/dev/kforge/core/catalog/";
    private static final Catalog BUILT_IN = load();

    private final Map<String, Architecture> arches;
    private final Map<String, Toolchain> toolchains;
    private final Map<String, String> archAliases;
    private final Map<String, String> toolchainAliases;

    Catalog(Collection<Architecture> arches, Collection<Toolchain> toolchains) {
        var a = new TreeMap<String, Architecture>();
        var aa = new TreeMap<String, String>();
        for (Architecture arch : arches) {
            a.put(arch.key(), arch);
            aa.put(arch.key(), arch.key());
            arch.aliases().forEach(alias -> aa.putIfAbsent(alias, arch.key()));
        }
        var t = new TreeMap<String, Toolchain>();
        var ta = new TreeMap<String, String>();
        for (Toolchain tc : toolchains) {
            t.put(tc.key(), tc);
            ta.put(tc.key(), tc.key());
            tc.aliases().forEach(alias -> ta.putIfAbsent(alias, tc.key()));
        }
        this.arches = Collections.unmodifiableMap(a);
        this.toolchains = Collections.unmodifiableMap(t);
        this.archAliases = Collections.unmodifiableMap(aa);
        this.toolchainAliases = Collections.unmodifiableMap(ta);
    }

    /** The Debian packages a toolchain root gets: Kbuild's own, and with Rust the Rust toolchain's (roots.properties). */
    public static SortedSet<String> rootPackages(boolean rust) {
        Properties p = properties("roots");
        SortedSet<String> out = new TreeSet<>(List.of(p.getProperty("base", "").split(",")));
        if (rust) {
            out.addAll(List.of(p.getProperty("rust", "").split(",")));
        }
        out.removeIf(String::isBlank);
        return out;
    }

    /** The catalog shipped with kforge. */
    public static Catalog builtIn() {
        return BUILT_IN;
    }

    /** Looks an architecture up by key or alias (aarch64 finds arm64). */
    public Optional<Architecture> arch(String keyOrAlias) {
        return Optional.ofNullable(archAliases.get(keyOrAlias)).map(arches::get);
    }

    /** Looks a toolchain up by key or alias (clang finds llvm). */
    public Optional<Toolchain> toolchain(String keyOrAlias) {
        return Optional.ofNullable(toolchainAliases.get(keyOrAlias)).map(toolchains::get);
    }

    public Architecture requireArch(String key) {
        return arch(key).orElseThrow(() -> new IllegalArgumentException("unknown architecture " + key));
    }

    public Toolchain requireToolchain(String key) {
        return toolchain(key).orElseThrow(() -> new IllegalArgumentException("unknown toolchain " + key));
    }

    /** All architectures, sorted by key. */
    public List<Architecture> arches() {
        return List.copyOf(arches.values());
    }

    /** All toolchains, sorted by key. */
    public List<Toolchain> toolchains() {
        return List.copyOf(toolchains.values());
    }

    /**
     * The built-in catalog plus the data files in {@code dir} ({@code arches/KEY.properties},
     * {@code toolchains/KEY.properties}, same keys as the built-in ones); a file there replaces
     * the built-in entry of the same key. Adding an architecture takes one such file, no code.
     */
    public static Catalog withDataFrom(Path dir) {
        Map<String, Architecture> arches = new TreeMap<>(BUILT_IN.arches);
        Map<String, Toolchain> toolchains = new TreeMap<>(BUILT_IN.toolchains);
        for (Path f : files(dir.resolve("arches"))) {
            Architecture a = arch(key(f), properties(f));
            arches.put(a.key(), a);
        }
        for (Path f : files(dir.resolve("toolchains"))) {
            Toolchain t = toolchain(key(f), properties(f));
            toolchains.put(t.key(), t);
        }
        return new Catalog(arches.values(), toolchains.values());
    }

    private static Catalog load() {
        List<Architecture> arches = new ArrayList<>();
        for (String key : index("arches")) {
            arches.add(arch(key, properties("arches/" + key)));
        }
        List<Toolchain> toolchains = new ArrayList<>();
        for (String key : index("toolchains")) {
            toolchains.add(toolchain(key, properties("toolchains/" + key)));
        }
        return new Catalog(arches, toolchains);
    }

    private static Architecture arch(String key, Properties p) {
        Optional<Architecture.Boot> boot = Optional.ofNullable(p.getProperty("qemu.system"))
                .filter(s -> !s.isBlank())
                .map(q -> new Architecture.Boot(
                        q.strip(),
                        required(p, key, "qemu.machine"),
                        required(p, key, "qemu.cpu"),
                        required(p, key, "qemu.console"),
                        required(p, key, "kernel.image"),
                        List.of(p.getProperty("kernel.boot.config", "").strip().split("\\s+")).stream()
                                .filter(o -> !o.isEmpty())
                                .toList(),
                        p.getProperty("qemu.cpu.tcg", required(p, key, "qemu.cpu"))
                                .strip()));
        return new Architecture(
                key,
                required(p, key, "ARCH"),
                required(p, key, "SRCARCH"),
                p.getProperty("CROSS_COMPILE", ""),
                required(p, key, "clang.target"),
                optional(p, "rust.target"),
                required(p, key, "defconfig"),
                Integer.parseInt(required(p, key, "elf.machine")),
                required(p, key, "elf.machine.name"),
                required(p, key, "gcc.package"),
                required(p, key, "debian.arch"),
                list(p.getProperty("aliases", "")),
                optional(p, "debian.flavour"),
                boot,
                required(p, key, "oci.platform"),
                list(required(p, key, "uname.machine")));
    }

    private static Toolchain toolchain(String key, Properties p) {
        var make = new TreeMap<String, String>();
        for (String kv : list(p.getProperty("make", ""))) {
            int eq = kv.indexOf('=');
            make.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return new Toolchain(
                key,
                ToolchainFamily.valueOf(required(p, key, "family")),
                make,
                Boolean.parseBoolean(required(p, key, "cross.compile")),
                required(p, key, "compiler"),
                list(p.getProperty("packages", "")),
                list(p.getProperty("aliases", "")));
    }

    private static Optional<String> optional(Properties p, String key) {
        return Optional.ofNullable(p.getProperty(key)).map(String::strip).filter(s -> !s.isEmpty());
    }

    private static List<Path> files(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().endsWith(".properties"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String key(Path file) {
        String n = file.getFileName().toString();
        return n.substring(0, n.length() - ".properties".length());
    }

    private static Properties properties(Path file) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    private static List<String> index(String dir) {
        return Arrays.stream(read(dir + "/index.txt").split("\n"))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    private static Properties properties(String name) {
        Properties p = new Properties();
        try (InputStream in = open(name + ".properties")) {
            p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    private static String read(String name) {
        try (InputStream in = open(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream open(String name) {
        InputStream in = Catalog.class.getResourceAsStream(ROOT + name);
        if (in == null) {
            throw new IllegalStateException("catalog entry missing from the classpath: " + name);
        }
        return in;
    }

    private static String required(Properties p, String entry, String key) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) {
            throw new IllegalStateException("catalog entry " + entry + " lacks " + key);
        }
        return v.strip();
    }

    private static List<String> list(String csv) {
        return Arrays.stream(csv.split(","))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }
}
