package dev.kforge.kbuild;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A distribution kernel's Rust tree after modules_prepare: the distribution's Module.symvers,
 * release and BTF vmlinux laid over it (modules_prepare writes its own release and no
 * Module.symvers), and the check that its Rust crates are the kernel's: the Rust symbols the
 * tree's crates export (rust/exports_*_generated.h) must be exactly those the kernel's
 * Module.symvers lists for vmlinux. Their names carry each crate's hash (rustc's stable crate id,
 * {@code Cs2lKf6AS60Zg_4core}), which differs with the rustc and the source, and which APIs exist,
 * which differ with the configuration: a module built on a tree that differs would not load (or,
 * worse, load against other layouts).
 */
final class DistroRustTree {

    /** What the tree takes from the headers: the files M= builds read for symbols, vermagic and BTF. */
    static final List<String> REQUIRED =
            List.of("Module.symvers", "include/generated/utsrelease.h", "include/config/kernel.release");

    /** BTF for the modules, when the headers ship it (a BTF-only ELF in Debian's). */
    static final String VMLINUX = "vmlinux";

    private static final Pattern EXPORT = Pattern.compile("EXPORT_SYMBOL_RUST_GPL\\((\\S+)\\);");
    private static final Pattern CRATE = Pattern.compile("(Cs[0-9A-Za-z]+)_(\\d+)([A-Za-z_][A-Za-z0-9_]*)");

    private DistroRustTree() {}

    /** Copies the headers' Module.symvers, release files and vmlinux (when there) into {@code tree}. */
    static void overlay(Path headers, Path tree) throws IOException {
        for (String f : REQUIRED) {
            Path from = headers.resolve(f);
            if (!Files.isRegularFile(from)) {
                throw new IOException("the kernel's headers have no " + f + " (" + from + ")");
            }
            copy(from, tree.resolve(f));
        }
        if (Files.isRegularFile(headers.resolve(VMLINUX))) {
            copy(headers.resolve(VMLINUX), tree.resolve(VMLINUX));
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Path tmp = Files.createTempFile(to.getParent(), to.getFileName() + ".", ".tmp");
        Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The Rust symbols the tree's crates export, from rust/exports_*_generated.h. */
    static SortedSet<String> treeExports(Path tree) throws IOException {
        SortedSet<String> out = new TreeSet<>();
        Path rust = tree.resolve("rust");
        if (!Files.isDirectory(rust)) {
            return out;
        }
        try (Stream<Path> files = Files.list(rust)) {
            for (Path f : files.filter(p -> p.getFileName().toString().matches("exports_.*_generated\\.h"))
                    .sorted()
                    .toList()) {
                Matcher m = EXPORT.matcher(Files.readString(f));
                while (m.find()) {
                    if (m.group(1).startsWith("_R")) {
                        out.add(m.group(1));
                    }
                }
            }
        }
        return out;
    }

    /** The Rust symbols (v0-mangled, {@code _R...}) Module.symvers lists for vmlinux. */
    static SortedSet<String> kernelExports(Path symvers) throws IOException {
        SortedSet<String> out = new TreeSet<>();
        for (String line : Files.readAllLines(symvers)) {
            String[] f = line.split("\t");
            if (f.length >= 3 && f[1].startsWith("_R") && f[2].equals("vmlinux")) {
                out.add(f[1]);
            }
        }
        return out;
    }

    /**
     * Each crate's hash as the symbols show it: for every crate name, the disambiguator most of the
     * symbols carry (a symbol of one crate names the crates of the types it uses too).
     */
    static Map<String, String> crateHashes(SortedSet<String> symbols) {
        Map<String, Map<String, Integer>> counts = new TreeMap<>();
        for (String s : symbols) {
            Matcher m = CRATE.matcher(s);
            while (m.find()) {
                int len = Integer.parseInt(m.group(2));
                if (len > m.group(3).length()) {
                    continue;
                }
                String crate = m.group(3).substring(0, len);
                counts.computeIfAbsent(crate, c -> new TreeMap<>()).merge(m.group(1), 1, Integer::sum);
            }
        }
        Map<String, String> out = new TreeMap<>();
        counts.forEach((crate, byHash) -> out.put(
                crate,
                byHash.entrySet().stream()
                        .max(Map.Entry.<String, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
                        .orElseThrow()
                        .getKey()));
        return out;
    }

    /**
     * Why the tree's Rust crates are not the kernel's, naming both sides; empty when they export
     * exactly what the kernel exports.
     *
     * @param configDiff the options whose values differ between the tree's .config and the kernel's
     */
    static Optional<String> mismatch(
            SortedSet<String> tree, SortedSet<String> kernel, String release, List<String> configDiff) {
        if (kernel.isEmpty()) {
            return Optional.of("the Module.symvers of " + release + " lists no Rust symbols, so there is nothing to "
                    + "check the tree's crates against");
        }
        if (tree.equals(kernel)) {
            return Optional.empty();
        }
        Map<String, String> ours = crateHashes(tree);
        Map<String, String> theirs = crateHashes(kernel);
        List<String> hashes = new ArrayList<>();
        for (String crate : List.of("core", "kernel")) {
            String a = ours.getOrDefault(crate, "none");
            String b = theirs.getOrDefault(crate, "none");
            hashes.add(
                    crate + " crate hash " + a + (a.equals(b) ? " (the kernel's too)" : " (the kernel's: " + b + ")"));
        }
        SortedSet<String> missing = new TreeSet<>(kernel);
        missing.removeAll(tree);
        SortedSet<String> extra = new TreeSet<>(tree);
        extra.removeAll(kernel);
        StringBuilder msg = new StringBuilder("the tree's Rust crates are not those of kernel " + release + ": ")
                .append(String.join(", ", hashes))
                .append("; ")
                .append(missing.size())
                .append(" of the kernel's ")
                .append(kernel.size())
                .append(" Rust exports are missing from the tree")
                .append(missing.isEmpty() ? "" : " (" + missing.first() + ", ...)")
                .append(", ")
                .append(extra.size())
                .append(" are the tree's only")
                .append(extra.isEmpty() ? "" : " (" + extra.first() + ", ...)");
        if (!configDiff.isEmpty()) {
            msg.append("; its .config differs from the kernel's in ")
                    .append(String.join(", ", configDiff.subList(0, Math.min(8, configDiff.size()))))
                    .append(configDiff.size() > 8 ? " and " + (configDiff.size() - 8) + " more" : "");
        }
        msg.append(". A module built on it would not load into that kernel; build in a root whose rustc, bindgen and "
                + "gcc are the ones the kernel's .config names (CONFIG_RUSTC_VERSION_TEXT, CONFIG_BINDGEN_VERSION_TEXT, "
                + "CONFIG_CC_VERSION_TEXT), with no fragments changing its configuration");
        return Optional.of(msg.toString());
    }

    /**
     * The options whose values differ between the tree's .config and the kernel's ({@code CONFIG_X:
     * kernel's -> tree's}), leaving out the compiler's own name, which Debian's builds spell with the
     * target triplet.
     */
    static List<String> configDiff(KernelConfig kernel, KernelConfig tree) {
        List<String> out = new ArrayList<>();
        TreeSet<String> keys = new TreeSet<>(kernel.options().keySet());
        keys.addAll(tree.options().keySet());
        for (String k : keys) {
            if (k.equals("CONFIG_CC_VERSION_TEXT")) {
                continue;
            }
            String a = kernel.get(k);
            String b = tree.get(k);
            if (!a.equals(b)) {
                out.add(k + " " + show(a) + " -> " + show(b));
            }
        }
        return out;
    }

    private static String show(String v) {
        return v.isEmpty() ? "unset" : v;
    }
}
