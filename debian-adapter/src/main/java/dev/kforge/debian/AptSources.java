package dev.kforge.debian;

import dev.kforge.core.KforgeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** What apt's sources say about this machine's Debian archive (the mirror toolchain roots are made from). */
final class AptSources {

    private AptSources() {}

    /** KFORGE_DEBIAN_MIRROR, else the first Debian archive (not -security) in apt's sources. */
    static String mirror(Map<String, String> env) throws IOException {
        String forced = env.get("KFORGE_DEBIAN_MIRROR");
        if (forced != null && !forced.isBlank()) {
            return forced.strip();
        }
        List<Path> files = new ArrayList<>();
        Path list = Path.of("/etc/apt/sources.list");
        if (Files.isRegularFile(list)) {
            files.add(list);
        }
        Path d = Path.of("/etc/apt/sources.list.d");
        if (Files.isDirectory(d)) {
            try (var s = Files.list(d)) {
                s.filter(p -> p.toString().endsWith(".list") || p.toString().endsWith(".sources"))
                        .sorted()
                        .forEach(files::add);
            }
        }
        for (Path f : files) {
            for (String line : Files.readAllLines(f)) {
                String l = line.strip();
                String uri = null;
                if (l.startsWith("deb ")) {
                    uri = Arrays.stream(l.split("\\s+"))
                            .skip(1)
                            .filter(w -> w.contains("://"))
                            .findFirst()
                            .orElse(null);
                } else if (l.startsWith("URIs:")) {
                    uri = l.substring("URIs:".length()).strip().split("\\s+")[0];
                }
                if (uri != null && uri.replaceAll("/+$", "").endsWith("/debian")) {
                    return uri;
                }
            }
        }
        throw KforgeException.environment(
                "no Debian mirror in apt's sources to make a toolchain root from",
                "set KFORGE_DEBIAN_MIRROR to a Debian archive URL");
    }
}
