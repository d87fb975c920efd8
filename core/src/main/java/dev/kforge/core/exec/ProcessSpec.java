package dev.kforge.core.exec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One process to run.
 *
 * @param argv program and arguments; never a shell string
 * @param env variables the process gets in addition to the runner's pass-through list
 * @param cwd working directory
 * @param log where stdout and stderr go (appended); empty to capture them into the result
 * @param timeout wall-clock limit; empty for none
 */
public record ProcessSpec(
        List<String> argv, SortedMap<String, String> env, Path cwd, Optional<Path> log, Optional<Duration> timeout) {

    public ProcessSpec {
        argv = List.copyOf(argv);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv is empty");
        }
        env = Collections.unmodifiableSortedMap(new TreeMap<>(env));
        Objects.requireNonNull(cwd, "cwd");
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(timeout, "timeout");
    }

    /** A short probe whose output is captured, e.g. {@code gcc --version}. */
    public static ProcessSpec capture(List<String> argv, Path cwd) {
        return new ProcessSpec(argv, new TreeMap<>(), cwd, Optional.empty(), Optional.of(Duration.ofSeconds(60)));
    }
}
