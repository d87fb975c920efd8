package dev.kforge.debian;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.cache.CacheDirs;
import dev.kforge.core.exec.LocalProcessRunner;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sources kforge's own apt reads for a suite. */
class SuiteAptTest {

    @TempDir
    Path dir;

    @Test
    void aSuiteIsReadAloneFromTheMirrorAndVerifiedWithTheArchiveKeyring() throws Exception {
        SuiteApt apt = new SuiteApt(
                new CacheDirs(dir.resolve("cache")),
                new LocalProcessRunner(),
                Map.of("KFORGE_DEBIAN_MIRROR", "http://mirror.example/debian"));
        assertThat(apt.sources("trixie-backports")).isEqualTo("""
                Types: deb
                URIs: http://mirror.example/debian
                Suites: trixie-backports
                Components: main
                Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
                """);
    }
}
