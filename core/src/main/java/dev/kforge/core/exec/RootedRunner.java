package dev.kforge.core.exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * Runs processes inside a toolchain root with bubblewrap ({@code bwrap}): the root is the guest's
 * /, and the host directories a step reads and writes (workspace, out, build, the cache's trees and
 * kernel sources) are bound at the same paths, so argv, step keys and outputs are the same as on
 * the host. bwrap works for root and, with user namespaces, for everyone else; the same mount
 * namespace trick a chroot plus bind mounts would need, without leaving mounts behind. The child
 * stays in the runner's process group, so timeouts and Ctrl-C kill it as any other.
 */
public final class RootedRunner implements ProcessRunner {

    /** PATH inside a root: the distribution's own tools, whatever the host's PATH holds. */
    public static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final ProcessRunner delegate;
    private final Path root;
    private final List<Path> binds;
    private final boolean writable;

    /**
     * @param binds host directories bound read-write at the same path inside
     * @param writable whether the root itself is writable (apt-get inside it), else read-only
     */
    public RootedRunner(ProcessRunner delegate, Path root, Collection<Path> binds, boolean writable) {
        this.delegate = delegate;
        this.root = root;
        this.binds = mounts(root, binds);
        this.writable = writable;
    }

    @Override
    public ProcessResult run(ProcessSpec spec) throws IOException, InterruptedException {
        return delegate.run(
                new ProcessSpec(wrap(spec.argv(), spec.cwd()), spec.env(), spec.cwd(), spec.log(), spec.timeout()));
    }

    /** bwrap's argv for running {@code argv} in {@code cwd} inside the root. */
    public List<String> wrap(List<String> argv, Path cwd) {
        // Bound writable first, so bwrap can make the mount points of the host directories inside it;
        // read-only again once they are in place (unless apt is to write into it).
        List<String> out = new ArrayList<>(List.of(
                "bwrap",
                "--die-with-parent",
                "--bind",
                root.toString(),
                "/",
                "--dev",
                "/dev",
                "--proc",
                "/proc",
                "--tmpfs",
                "/tmp"));
        if (Files.isRegularFile(Path.of("/etc/resolv.conf"))) {
            out.addAll(List.of("--ro-bind", "/etc/resolv.conf", "/etc/resolv.conf"));
        }
        for (Path b : binds) {
            out.addAll(List.of("--bind", b.toString(), b.toString()));
        }
        if (!writable) {
            out.addAll(List.of("--remount-ro", "/"));
        }
        out.addAll(List.of("--chdir", cwd.toString(), "--setenv", "PATH", PATH, "--"));
        out.addAll(argv);
        return out;
    }

    /**
     * Existing directories outside the root, outermost first, each once (one under another is
     * covered by it). A directory the root has itself (a kernel tree's parent such as /usr/src, where
     * Debian's rust-src keeps its sources) is never covered by the host's: its host entries the root
     * lacks are bound one by one instead, so the root keeps its own.
     */
    static List<Path> mounts(Path root, Collection<Path> dirs) {
        TreeSet<Path> sorted = new TreeSet<>();
        for (Path d : dirs) {
            Path a = d.toAbsolutePath().normalize();
            if (!a.startsWith(root) && !root.startsWith(a) && Files.isDirectory(a)) {
                sorted.add(a);
            }
        }
        List<Path> out = new ArrayList<>();
        for (Path p : sorted) {
            if (out.stream().noneMatch(p::startsWith)) {
                out.addAll(withoutShadowing(root, p));
            }
        }
        return out;
    }

    /** Whether binding host directory {@code p} over the root's {@code inside} would hide anything of the root's. */
    private static boolean hides(Path inside, Path p) throws IOException {
        List<Path> entries;
        try (var s = Files.list(inside)) {
            entries = s.toList();
        }
        for (Path e : entries) {
            if (litter(e)) {
                continue; // a mount point bwrap left
            }
            Path h = p.resolve(e.getFileName().toString());
            boolean bothDirs =
                    Files.isDirectory(e, LinkOption.NOFOLLOW_LINKS) && Files.isDirectory(h, LinkOption.NOFOLLOW_LINKS);
            if (!bothDirs || hides(e, h)) {
                return true;
            }
        }
        return false;
    }

    /** What bwrap's mount points leave behind in a root: an empty file, or a tree of empty directories. */
    private static boolean litter(Path p) throws IOException {
        return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? Files.size(p) == 0 : emptyTree(p);
    }

    /** A directory holding nothing but directories like itself: what bwrap's mount points leave behind. */
    private static boolean emptyTree(Path d) throws IOException {
        if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        List<Path> entries;
        try (var s = Files.list(d)) {
            entries = s.toList();
        }
        for (Path e : entries) {
            if (!emptyTree(e)) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code p}, or, when the root's directory there holds something the host's lacks (which binding
     * {@code p} would hide), each entry of {@code p} bound on its own: the ones the root lacks whole,
     * the directories both have in turn the same way. Empty directories bwrap left as mount points in
     * the root hide nothing.
     */
    private static List<Path> withoutShadowing(Path root, Path p) {
        Path inside = root.resolve(p.getRoot().relativize(p).toString());
        if (!Files.isDirectory(inside, LinkOption.NOFOLLOW_LINKS)) {
            return List.of(p);
        }
        List<Path> out = new ArrayList<>();
        try {
            if (!hides(inside, p)) {
                return List.of(p);
            }
            List<Path> entries;
            try (var s = Files.list(p)) {
                entries = s.sorted().toList();
            }
            for (Path e : entries) {
                Path there = inside.resolve(e.getFileName().toString());
                if (!Files.exists(there, LinkOption.NOFOLLOW_LINKS)
                        || (litter(there) && Files.isDirectory(there) == Files.isDirectory(e))) {
                    out.add(e);
                } else if (Files.isDirectory(e, LinkOption.NOFOLLOW_LINKS)
                        && Files.isDirectory(there, LinkOption.NOFOLLOW_LINKS)) {
                    out.addAll(withoutShadowing(root, e));
                } // else the root's own file stays
            }
        } catch (IOException e) {
            return List.of(); // unreadable: nothing of it is bound rather than the root's own directory hidden
        }
        return out;
    }
}
