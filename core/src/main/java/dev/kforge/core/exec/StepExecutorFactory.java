package dev.kforge.core.exec;

import dev.kforge.core.plan.Roots;
import java.time.Duration;
import java.util.Optional;
import java.util.SortedMap;

/** Port: makes the executor for one run, once the run's roots are known. */
public interface StepExecutorFactory {

    StepExecutor create(Roots roots, SortedMap<String, String> tools, Optional<Duration> stepTimeout);
}
