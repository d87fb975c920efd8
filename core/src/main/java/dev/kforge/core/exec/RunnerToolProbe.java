package dev.kforge.core.exec;

import dev.kforge.core.kernel.ToolProbe;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Identifies programs by the first line of {@code --version}, once per program per process. */
public final class RunnerToolProbe implements ToolProbe {

    private final ProcessRunner runner;
    private final Map<String, Optional<String>> memo = new ConcurrentHashMap<>();

    public RunnerToolProbe(ProcessRunner runner) {
        this.runner = runner;
    }

    @Override
    public Optional<String> version(String program) {
        return memo.computeIfAbsent(program, this::probe);
    }

    private Optional<String> probe(String program) {
        try {
            ProcessResult r = runner.run(ProcessSpec.capture(
                    List.of(program, "--version"), Path.of(".").toAbsolutePath()));
            if (r.exitCode() != 0 || r.output().isBlank()) {
                return Optional.empty();
            }
            return Optional.of(r.output().strip().lines().findFirst().orElse("").strip());
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
