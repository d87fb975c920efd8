package dev.kforge.debian;

import dev.kforge.core.KforgeException;
import dev.kforge.core.cache.CacheDirs;
import dev.kforge.core.cache.FileLock;
import dev.kforge.core.digest.InputLog;
import dev.kforge.core.exec.ProcessResult;
import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.exec.ProcessSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A private apt for one Debian suite: its sources, lists and downloads under kforge's cache
 * ({@code debian/suites/SUITE}), never the host's /etc/apt or dpkg database. apt verifies the
 * suite's Release file against Debian's archive keyring as always. The lists are fetched when
 * missing, when an architecture is asked for that they lack, and when older than the refresh
 * interval ({@code KFORGE_DEBIAN_REFRESH} seconds, default an hour), so a kernel new in the archive
 * is seen by the next run after that without any change to the manifest.
 */
final class SuiteApt {

    /** How stale a suite's lists may be before a run fetches them again. */
    static final Duration DEFAULT_REFRESH = Duration.ofHours(1);

    static final String KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";

    private final Path root;
    private final ProcessRunner runner;
    private final Map<String, String> env;
    private final Path locks;

    SuiteApt(CacheDirs cache, ProcessRunner runner, Map<String, String> env) {
        this.root = cache.root().resolve("debian/suites");
        this.runner = runner;
        this.env = env;
        this.locks = cache.locks();
    }

    Path dir(String suite) {
        return root.resolve(suite);
    }

    /** Where apt keeps the suite's lists (Release files, Packages). */
    Path lists(String suite) {
        return dir(suite).resolve("state/lists");
    }

    /** The options that point apt-get and apt-cache at the suite's private state, for {@code arches}. */
    List<String> options(String suite, Set<String> arches) {
        Path d = dir(suite);
        List<String> o = new ArrayList<>(List.of(
                "-o", "Dir::Etc::SourceList=/dev/null",
                "-o", "Dir::Etc::SourceParts=" + d.resolve("sources.list.d"),
                "-o", "Dir::Etc::Preferences=/dev/null",
                "-o", "Dir::Etc::PreferencesParts=" + d.resolve("preferences.d"),
                "-o", "Dir::State=" + d.resolve("state"),
                "-o", "Dir::State::status=" + d.resolve("status"),
                "-o", "Dir::Cache=" + d.resolve("cache"),
                "-o", "APT::Sandbox::User=root"));
        for (String a : new TreeSet<>(arches)) {
            o.addAll(List.of("-o", "APT::Architectures::=" + a));
        }
        return o;
    }

    /** The architectures the suite's lists were last fetched for. */
    Set<String> arches(String suite) {
        try {
            return new TreeSet<>(List.of(
                    Files.readString(dir(suite).resolve("arches")).strip().split("\\s+")));
        } catch (IOException e) {
            return new TreeSet<>();
        }
    }

    /**
     * The suite's lists for (at least) {@code want}, fetched when missing, lacking an arch, stale,
     * or read from other sources (KFORGE_DEBIAN_MIRROR changed). Whether they were fetched now. Records the lists as planning inputs and when they go stale.
     */
    boolean ensure(String suite, Set<String> want, InputLog inputs) throws InterruptedException {
        Duration refresh = refresh();
        Path stamp = dir(suite).resolve("arches");
        boolean updated = false;
        try (FileLock lock = FileLock.acquire(locks.resolve("debian-suite-" + suite + ".lock"))) {
            Set<String> have = arches(suite);
            Instant fetched = Files.isRegularFile(stamp)
                    ? Files.getLastModifiedTime(stamp).toInstant()
                    : Instant.EPOCH;
            Path written = dir(suite).resolve("sources.list.d/kforge.sources");
            boolean sourcesChanged =
                    !Files.isRegularFile(written) || !Files.readString(written).equals(sources(suite));
            if (!have.containsAll(want)
                    || sourcesChanged
                    || fetched.plus(refresh).isBefore(Instant.now())) {
                Set<String> all = new TreeSet<>(have);
                all.addAll(want);
                update(suite, all);
                fetched = Instant.now();
                updated = true;
            }
            inputs.see(stamp);
            inputs.see(lists(suite));
            inputs.validUntil(fetched.plus(refresh));
            return updated;
        } catch (IOException e) {
            throw KforgeException.environment(
                    "Debian " + suite + ": cannot keep its package lists in " + dir(suite) + ": " + e.getMessage(),
                    "check free space and permissions in kforge's cache");
        }
    }

    private void update(String suite, Set<String> arches) throws IOException, InterruptedException {
        Path d = dir(suite);
        Files.createDirectories(d.resolve("sources.list.d"));
        Files.createDirectories(d.resolve("preferences.d"));
        Files.createDirectories(d.resolve("state/lists/partial"));
        Files.createDirectories(d.resolve("cache/archives/partial"));
        if (!Files.exists(d.resolve("status"))) {
            Files.writeString(d.resolve("status"), "");
        }
        if (!Files.isRegularFile(Path.of(KEYRING))) {
            throw KforgeException.environment(
                    "Debian " + suite + ": no archive keyring at " + KEYRING + " to verify its Release file",
                    "apt-get install debian-archive-keyring");
        }
        Files.writeString(d.resolve("sources.list.d/kforge.sources"), sources(suite));
        List<String> argv = new ArrayList<>(List.of("apt-get"));
        argv.addAll(options(suite, arches));
        // Signatures are always checked; a frozen mirror (a snapshot) serves Release files past their Valid-Until.
        argv.addAll(
                List.of("-q", "-o", "APT::Update::Error-Mode=any", "-o", "Acquire::Check-Valid-Until=false", "update"));
        ProcessResult r = runner.run(ProcessSpec.capture(argv, d));
        boolean release = Files.isDirectory(lists(suite)) && hasRelease(suite);
        if (!r.succeeded() || !release) {
            throw KforgeException.environment(
                    "Debian " + suite + ": apt-get update failed: " + DebianArchive.lastLines(r.output()),
                    "check the suite's name and the network; kforge uses the host's Debian mirror "
                            + "(or KFORGE_DEBIAN_MIRROR) and verifies the Release file with " + KEYRING);
        }
        Path tmp = Files.createTempFile(d, "arches", ".tmp");
        Files.writeString(tmp, String.join(" ", arches) + "\n");
        Files.move(tmp, d.resolve("arches"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(d.resolve("arches"), FileTime.from(Instant.now()));
    }

    /** The deb822 sources of {@code suite}: the suite alone, from the host's mirror or KFORGE_DEBIAN_MIRROR. */
    String sources(String suite) throws IOException {
        return "Types: deb\nURIs: " + AptSources.mirror(env) + "\nSuites: " + suite + "\nComponents: main\nSigned-By: "
                + KEYRING + "\n";
    }

    private boolean hasRelease(String suite) throws IOException {
        try (var s = Files.list(lists(suite))) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith("_InRelease")
                    || p.getFileName().toString().endsWith("_Release"));
        }
    }

    private Duration refresh() {
        String v = env.get("KFORGE_DEBIAN_REFRESH");
        if (v != null && v.strip().matches("\\d+")) {
            return Duration.ofSeconds(Long.parseLong(v.strip()));
        }
        return DEFAULT_REFRESH;
    }
}
