package dev.kforge.core.exec;

import dev.kforge.core.model.SigningKey;
import dev.kforge.core.plan.Roots;
import java.time.Duration;
import java.util.Optional;
import java.util.SortedMap;

/** Port: makes the executor for one run, once the run's roots are known. */
public interface StepExecutorFactory {

    /**
     * The executor for one run.
     *
     * @param signingKey the key SIGN steps sign with, if the run signs
     */
    StepExecutor create(
            Roots roots,
            SortedMap<String, String> tools,
            Optional<Duration> stepTimeout,
            Optional<SigningKey> signingKey);

    /** An executor for a run that signs nothing. */
    default StepExecutor create(Roots roots, SortedMap<String, String> tools, Optional<Duration> stepTimeout) {
        return create(roots, tools, stepTimeout, Optional.empty());
    }
}
