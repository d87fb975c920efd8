package dev.kforge.kbuild;

import dev.kforge.core.cache.CacheDirs;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.digest.InputLog;
import dev.kforge.core.model.Architecture;
import dev.kforge.core.report.Reports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Which architectures a kernel source can build Rust for: the ARCH values whose Kconfig selects
 * HAVE_RUST, read from the source (an extracted tarball keeps its scan).
 */
final class RustArches {

    private static final Pattern SELECT_RUST =
            Pattern.compile("^\\s*select\\s+HAVE_RUST(?:\\s+if\\s+(.*))?$", Pattern.MULTILINE);

    private final Catalog catalog;
    private final CacheDirs cache;
    private final InputLog inputs;

    RustArches(Catalog catalog, CacheDirs cache, InputLog inputs) {
        this.catalog = catalog;
        this.cache = cache;
        this.inputs = inputs;
    }

    /**
     * The ARCH values whose Kconfig selects HAVE_RUST. A condition naming X86_64 or X86_32 narrows
     * the x86 entry to that ARCH; other conditions are checked when the tree is configured.
     */
    SortedSet<String> of(Path dir) throws IOException {
        SortedSet<String> out = new TreeSet<>();
        for (String[] select : rustSelects(dir)) {
            String srcArch = select[0];
            String cond = select[1];
            for (Architecture a : catalog.arches()) {
                if (!a.srcArch().equals(srcArch)) {
                    continue;
                }
                boolean wants64 = cond.contains("X86_64");
                boolean wants32 = cond.contains("X86_32");
                if ((wants64 && a.key().equals("i386")) || (wants32 && a.key().equals("x86_64"))) {
                    continue;
                }
                out.add(a.kernelArch());
            }
        }
        return out;
    }

    /** Where an extracted source (never changed after extraction) keeps its scan of the arch Kconfigs. */
    static final String RUST_SELECTS = ".kforge-rust-selects";

    /**
     * Each {@code select HAVE_RUST [if COND]} of arch/SRCARCH/Kconfig as (SRCARCH, COND). A source
     * kforge extracted is scanned once (reading every arch's Kconfig was a tenth of a no-op's planning).
     */
    private List<String[]> rustSelects(Path dir) throws IOException {
        boolean extracted = dir.startsWith(cache.sources()) && Files.isRegularFile(dir.resolve(".kforge-extracted"));
        Path memoFile = dir.resolve(RUST_SELECTS);
        inputs.seeAll(List.of(dir.resolve(".kforge-extracted"), memoFile));
        if (extracted && Files.isRegularFile(memoFile)) {
            List<String> lines = Files.readAllLines(memoFile);
            if (!lines.isEmpty() && lines.get(0).equals("v1")) {
                return lines.subList(1, lines.size()).stream()
                        .map(l -> l.split("\t", 2))
                        .filter(f -> f.length == 2)
                        .toList();
            }
        }
        List<String[]> out = new ArrayList<>();
        for (Path k : archKconfigs(dir)) {
            String srcArch = k.getParent().getFileName().toString();
            Matcher m = SELECT_RUST.matcher(Files.readString(k));
            while (m.find()) {
                out.add(new String[] {srcArch, m.group(1) == null ? "" : m.group(1)});
            }
        }
        if (extracted) {
            StringBuilder sb = new StringBuilder("v1\n");
            out.forEach(f ->
                    sb.append(f[0]).append('\t').append(f[1].replace('\n', ' ')).append('\n'));
            Reports.writeAtomically(memoFile, sb.toString());
        }
        return out;
    }

    /** Each architecture's Kconfig in a kernel source, recorded as planning reads. */
    List<Path> archKconfigs(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        inputs.see(dir.resolve("arch"));
        try (Stream<Path> s = Files.list(dir.resolve("arch"))) {
            s.sorted().forEach(a -> {
                Path k = a.resolve("Kconfig");
                inputs.see(k);
                if (Files.isRegularFile(k)) {
                    out.add(k);
                }
            });
        }
        return out;
    }
}
