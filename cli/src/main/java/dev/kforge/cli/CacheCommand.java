package dev.kforge.cli;

import dev.kforge.core.KforgeException;
import dev.kforge.core.cache.CacheDirs;
import dev.kforge.core.cache.LocalStepCache;
import dev.kforge.core.fs.Staging;
import dev.kforge.core.service.PlanCache;
import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(
        name = "cache",
        description = "Inspect or trim the step cache.",
        subcommands = {CacheCommand.Stats.class, CacheCommand.Prune.class, CacheCommand.Clear.class})
final class CacheCommand implements Runnable {

    @ParentCommand
    KforgeCommand root;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(root.out());
    }

    LocalStepCache cache() {
        CacheDirs dirs = root.context.cache(root.cacheDir());
        return new LocalStepCache(dirs.steps());
    }

    @Command(name = "stats", description = "Entries, blobs and bytes in the step cache.")
    static final class Stats implements Callable<Integer> {
        @ParentCommand
        CacheCommand parent;

        @Override
        public Integer call() throws IOException {
            var s = parent.cache().stats();
            parent.root
                    .out()
                    .printf(
                            "%s%nentries %d%nblobs %d%nsize %s%n",
                            parent.root.context.cache(parent.root.cacheDir()).steps(),
                            s.entries(),
                            s.blobs(),
                            human(s.bytes()));
            parent.root.out().flush();
            return 0;
        }
    }

    @Command(name = "prune", description = "Remove least recently used entries until the cache fits.")
    static final class Prune implements Callable<Integer> {
        @ParentCommand
        CacheCommand parent;

        @Option(names = "--max-size", required = true, paramLabel = "SIZE", description = "e.g. 500M, 2G, 0")
        String maxSize;

        @Override
        public Integer call() throws IOException {
            int removed = parent.cache().prune(parseSize(maxSize));
            // Staging a killed kforge left (half-extracted headers, downloads, sources), its owner gone.
            int stale = Staging.sweepTree(
                    parent.root.context.cache(parent.root.cacheDir()).root(), 3);
            parent.root
                    .out()
                    .printf(
                            "removed %d entries%s; size now %s%n",
                            removed,
                            stale == 0 ? "" : " and " + stale + " stale staging director" + (stale == 1 ? "y" : "ies"),
                            human(parent.cache().stats().bytes()));
            parent.root.out().flush();
            return 0;
        }
    }

    @Command(name = "clear", description = "Remove every step cache entry and remembered plan (prepared trees stay).")
    static final class Clear implements Callable<Integer> {
        @ParentCommand
        CacheCommand parent;

        @Override
        public Integer call() throws IOException {
            parent.cache().clear();
            PlanCache.clear(
                    parent.root.context.cache(parent.root.cacheDir()).root().resolve("plans"));
            parent.root.out().println("step cache and remembered plans cleared");
            parent.root.out().flush();
            return 0;
        }
    }

    static long parseSize(String s) {
        Matcher m =
                Pattern.compile("(\\d+)([KMGT]?)B?", Pattern.CASE_INSENSITIVE).matcher(s.strip());
        if (!m.matches()) {
            throw KforgeException.userInput(
                    "invalid size '" + s + "'", "write a number with an optional K, M, G or T suffix, e.g. 500M");
        }
        long n = Long.parseLong(m.group(1));
        int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        return n << shift;
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
