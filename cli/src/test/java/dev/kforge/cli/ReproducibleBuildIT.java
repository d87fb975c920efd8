package dev.kforge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.maven.shared.invoker.DefaultInvocationRequest;
import org.apache.maven.shared.invoker.DefaultInvoker;
import org.apache.maven.shared.invoker.InvocationResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kforge's own build is reproducible: the reactor built twice, in two directories, gives identical jars. */
class ReproducibleBuildIT {

    @TempDir
    Path dir;

    static final List<String> SOURCES = List.of(
            "pom.xml",
            ".mvn",
            "core",
            "kbuild-adapter",
            "debian-adapter",
            "rust-toolchain-adapter",
            "qemu-adapter",
            "package-adapter",
            "cli");

    static Path copy(Path dest) throws Exception {
        Path repo = ItSupport.repo();
        for (String top : SOURCES) {
            Path src = repo.resolve(top);
            try (Stream<Path> s = Files.walk(src)) {
                for (Path p : s.toList()) {
                    Path rel = repo.relativize(p);
                    if (rel.toString().contains("/target")) {
                        continue;
                    }
                    Path to = dest.resolve(rel.toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(to);
                    } else {
                        Files.createDirectories(to.getParent());
                        Files.copy(p, to);
                    }
                }
            }
        }
        return dest;
    }

    static void build(Path project) throws Exception {
        DefaultInvocationRequest request = new DefaultInvocationRequest();
        request.setBaseDirectory(project.toFile());
        request.setGoals(List.of("package"));
        request.setBatchMode(true);
        request.setOffline(true);
        request.setQuiet(true);
        Properties props = new Properties();
        props.setProperty("skipTests", "true");
        props.setProperty("skipITs", "true");
        // What checks the code but never changes a jar: the build that runs this test did both.
        props.setProperty("spotless.check.skip", "true");
        props.setProperty("errorprone.extra", "-XepDisableAllChecks");
        request.setProperties(props);
        DefaultInvoker invoker = new DefaultInvoker();
        String home = System.getProperty("maven.home", System.getenv().getOrDefault("MAVEN_HOME", "/usr/share/maven"));
        invoker.setMavenHome(new File(home));
        InvocationResult result = invoker.execute(request);
        assertThat(result.getExitCode()).as("mvn package in " + project).isZero();
    }

    @Test
    void theDistributionJarsAreByteIdentical() throws Exception {
        Path a = copy(dir.resolve("a"));
        Path b = copy(dir.resolve("b/somewhere/else"));
        build(a);
        build(b);
        Path libA = a.resolve("cli/target/kforge-0.1.0-SNAPSHOT/kforge-0.1.0-SNAPSHOT/lib");
        Path libB = b.resolve("cli/target/kforge-0.1.0-SNAPSHOT/kforge-0.1.0-SNAPSHOT/lib");
        List<String> jars;
        try (Stream<Path> s = Files.list(libA)) {
            jars = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertThat(jars)
                .contains(
                        "kforge-core.jar",
                        "kforge-kbuild-adapter.jar",
                        "kforge-debian-adapter.jar",
                        "kforge-rust-toolchain-adapter.jar",
                        "kforge-cli.jar");
        for (String jar : jars) {
            assertThat(Files.mismatch(libA.resolve(jar), libB.resolve(jar)))
                    .as(jar)
                    .isEqualTo(-1L);
        }
        assertThat(Files.mismatch(
                        a.resolve("cli/target/kforge-0.1.0-SNAPSHOT.tar.gz"),
                        b.resolve("cli/target/kforge-0.1.0-SNAPSHOT.tar.gz")))
                .as("distribution tarball")
                .isEqualTo(-1L);
    }
}
