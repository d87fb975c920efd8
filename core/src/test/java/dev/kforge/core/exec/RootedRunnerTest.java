package dev.kforge.core.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RootedRunnerTest {

    @TempDir
    Path dir;

    @Test
    void bindsEachHostDirectoryOnceAtItsOwnPathAndKeepsTheRootReadOnly() throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path ws = Files.createDirectories(dir.resolve("ws"));
        Path out = Files.createDirectories(ws.resolve("out"));
        Path cache = Files.createDirectories(dir.resolve("cache"));
        RootedRunner r = new RootedRunner(
                (spec) -> null, root, List.of(out, ws, cache, root.resolve("x"), dir.resolve("gone")), false);
        List<String> argv = r.wrap(List.of("make", "-C", ws.toString()), ws);
        assertThat(argv).startsWith("bwrap", "--die-with-parent", "--bind", root.toString(), "/");
        assertThat(String.join(" ", argv))
                .contains("--bind " + ws + " " + ws)
                .contains("--bind " + cache + " " + cache)
                .doesNotContain("--bind " + out + " ")
                .doesNotContain(dir.resolve("gone").toString())
                .contains("--remount-ro / --chdir " + ws + " --setenv PATH " + RootedRunner.PATH + " -- make -C " + ws);
        // Mount points first, then read-only: the ro remount comes after every bind.
        assertThat(argv.indexOf("--remount-ro")).isGreaterThan(argv.lastIndexOf("--bind"));
        assertThat(new RootedRunner((spec) -> null, root, List.of(), true).wrap(List.of("apt-get"), Path.of("/")))
                .doesNotContain("--remount-ro");
    }

    @Test
    void aDirectoryTheRootHasIsNotHiddenByTheHostsOnlyTheEntriesItLacksAreBound() throws Exception {
        // The host's /usr/src holds Debian headers; the root's holds rust-src's sources (rustlib links there).
        Path root = Files.createDirectories(dir.resolve("root"));
        Path host = Files.createDirectories(dir.resolve("host/usr/src"));
        Path headers = Files.createDirectories(host.resolve("linux-headers-6.1.0-57-amd64"));
        Path common = Files.createDirectories(host.resolve("linux-headers-6.1.0-57-common"));
        Path shared = Files.createDirectories(host.resolve("shared"));
        Path inRoot = root.resolve(dir.getRoot().relativize(host).toString());
        Files.writeString(
                Files.createDirectories(inRoot.resolve("rustc-1.85.1/library/core/src"))
                        .resolve("lib.rs"),
                "");
        Files.createDirectories(inRoot.resolve("shared")); // a mount point bwrap left: hides nothing

        Path tarball = Files.writeString(host.resolve("linux-source-6.1.tar.xz"), "xz");
        Files.writeString(inRoot.resolve("linux-source-6.1.tar.xz"), ""); // a file mount point of an earlier run
        Files.writeString(inRoot.resolve("README"), "the root's own");

        List<Path> binds = RootedRunner.mounts(root, List.of(host, headers));

        assertThat(binds).containsExactly(headers, common, tarball, shared);
        // A directory the root does not have is bound whole.
        Path cache = Files.createDirectories(dir.resolve("cache/debian/usr/src"));
        assertThat(RootedRunner.mounts(root, List.of(cache))).containsExactly(cache);
        // Nor do the empty mount points bwrap left in the root hide anything: the sources are bound whole.
        Path sources = Files.createDirectories(dir.resolve("cache/sources"));
        Files.createDirectories(sources.resolve("c93391b6a4884e64"));
        Files.createDirectories(
                root.resolve(dir.getRoot().relativize(sources).toString()).resolve("c93391b6a4884e64"));
        assertThat(RootedRunner.mounts(root, List.of(sources))).containsExactly(sources);
        // Even one left for a directory the host no longer has (a failed tree, removed): still bound whole.
        Files.createDirectories(
                root.resolve(dir.getRoot().relativize(sources).toString()).resolve("gone/deeper"));
        assertThat(RootedRunner.mounts(root, List.of(sources))).containsExactly(sources);
    }
}
