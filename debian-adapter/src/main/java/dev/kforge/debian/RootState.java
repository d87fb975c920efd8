package dev.kforge.debian;

import dev.kforge.core.digest.Digest;
import dev.kforge.core.digest.DigestMemo;
import dev.kforge.core.digest.Fingerprint;
import dev.kforge.core.digest.InputLog;
import dev.kforge.core.kernel.ToolchainRoots;
import dev.kforge.core.model.ToolchainRoot;
import dev.kforge.core.report.Reports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.slf4j.LoggerFactory;

/**
 * Whether a toolchain root on disk is what its marker says: the marker written last, the dpkg
 * database unchanged since, every packaged program still there; its identity is the suite and every
 * installed package's version.
 */
final class RootState {

    private RootState() {}

    /** Where ready() records the state in which it last found every packaged program there. */
    static final String CHECKED = ".kforge-root-checked";

    private static String checkedState(Path dir, SortedMap<String, String> packages) throws IOException {
        StringBuilder sb = new StringBuilder("v1 ").append(String.join(",", packages.keySet()));
        for (String d : List.of("usr/bin", "usr/sbin", "var/lib/dpkg/info")) {
            Path p = dir.resolve(d);
            sb.append(' ').append(d).append('=').append(Files.isDirectory(p) ? DigestMemo.stamp(p) : "none");
        }
        return sb.append('\n').toString();
    }

    static Digest identity(String suite, SortedMap<String, String> installed) {
        Fingerprint f = new Fingerprint("kforge-toolchain-root", 1).add(suite);
        installed.forEach((p, v) -> f.add(p).add(v));
        return f.digest();
    }

    /**
     * The root as its marker records it, when the marker is there, the dpkg database is the one it
     * recorded and every file the packages asked for put in /usr/bin (and /usr/sbin) is there.
     */
    static Optional<ToolchainRoots.Facts> ready(ToolchainRoot root, Path dir, InputLog inputs) throws IOException {
        // What is read here is what the check below trusts: the marker, the dpkg database, the
        // directories the per-package check is remembered by, and that record.
        inputs.seeAll(List.of(
                dir.resolve(DebianRoots.MARKER),
                dir.resolve("var/lib/dpkg/status"),
                dir.resolve("usr/bin"),
                dir.resolve("usr/sbin"),
                dir.resolve("var/lib/dpkg/info"),
                dir.resolve(CHECKED)));
        Optional<Map<?, ?>> read = Markers.read(dir.resolve(DebianRoots.MARKER));
        if (read.isEmpty()) {
            return Optional.empty();
        }
        Map<?, ?> m = read.get();
        Path status = dir.resolve("var/lib/dpkg/status");
        if (!Files.isRegularFile(status)
                || !String.valueOf(m.get("dpkgStatus"))
                        .equals(Files.size(status) + ":"
                                + Files.getLastModifiedTime(status).toMillis())) {
            return damaged(root, dir, "its dpkg database changed");
        }
        SortedMap<String, String> packages = new TreeMap<>();
        ((Map<?, ?>) m.get("packages")).forEach((k, v) -> packages.put(String.valueOf(k), String.valueOf(v)));
        // Reading every package's file list (clang's alone is thousands of lines) costs more than the rest of a no-op's
        // planning: it is done again only when a directory it checks changed (removing a file changes its directory's
        // mtime and ctime) or the packages did.
        Path checked = dir.resolve(CHECKED);
        String seen = checkedState(dir, packages);
        if (!(Files.isRegularFile(checked) && Files.readString(checked).equals(seen))) {
            for (String p : packages.keySet()) {
                Optional<String> missing = missingFile(dir, p);
                if (missing.isPresent()) {
                    Files.deleteIfExists(checked);
                    return damaged(root, dir, missing.get() + " (from " + p + ") is missing");
                }
            }
            Reports.writeAtomically(checked, seen);
        }
        return Optional.of(new ToolchainRoots.Facts(
                root.name(),
                dir,
                new Digest(String.valueOf(m.get("identity"))),
                String.valueOf(m.get("suite")),
                packages));
    }

    private static Optional<ToolchainRoots.Facts> damaged(ToolchainRoot root, Path dir, String why) {
        LoggerFactory.getLogger(RootState.class)
                .warn("toolchain root {} at {} is damaged: {}; making it again", root.name(), dir, why);
        return Optional.empty();
    }

    /** The first program a package installed in /usr/bin or /usr/sbin that is gone, per dpkg's file list. */
    private static Optional<String> missingFile(Path dir, String pkg) throws IOException {
        Path info = dir.resolve("var/lib/dpkg/info");
        List<Path> lists = new ArrayList<>();
        for (String name : List.of(pkg + ".list", pkg + ":amd64.list", pkg + ":arm64.list", pkg + ":all.list")) {
            if (Files.isRegularFile(info.resolve(name))) {
                lists.add(info.resolve(name));
            }
        }
        if (lists.isEmpty()) {
            return Optional.of("dpkg's file list of " + pkg);
        }
        for (Path list : lists) {
            for (String f : Files.readAllLines(list)) {
                if ((f.startsWith("/usr/bin/") || f.startsWith("/usr/sbin/"))
                        && !Files.exists(dir.resolve(f.substring(1)), LinkOption.NOFOLLOW_LINKS)) {
                    return Optional.of(f);
                }
            }
        }
        return Optional.empty();
    }
}
