package dev.kforge.core.exec;

import java.io.IOException;
import java.util.List;

/**
 * Port through which every external process runs.
 *
 * <p>Contract: when {@link #run} returns or throws, the process and every process it started are
 * gone, whether it succeeded, failed, timed out or the calling thread was interrupted. The child
 * gets only the variables of {@link #PASS_THROUGH} from kforge's own environment, plus the spec's.
 */
public interface ProcessRunner {

    /** The only variables inherited from the caller's environment. */
    List<String> PASS_THROUGH = List.of("HOME", "PATH", "TMPDIR");

    /**
     * Runs a process to completion.
     *
     * @throws IOException when the program cannot be started (not found, not executable)
     * @throws InterruptedException when the calling thread is interrupted; the process tree is killed first
     */
    ProcessResult run(ProcessSpec spec) throws IOException, InterruptedException;
}
