package dev.kforge.core.exec;

import dev.kforge.core.plan.Step;

/**
 * Port: does the work of one plan step (implemented by the adapters).
 *
 * <p>An implementation MUST: return a result for a step whose dependencies all succeeded, a
 * failing build being a result and not an exception; write only the step's declared outputs and
 * its own working state; leave no process behind when it returns or throws; remove its working
 * state first when the context says {@code fresh}. It MAY record the context's step key and input
 * digests with what it publishes. An exception means the environment or kforge itself is broken.
 */
@FunctionalInterface
public interface StepExecutor {

    /**
     * Runs one step.
     *
     * @throws InterruptedException when cancelled; every process the step started is gone
     */
    StepResult execute(Step step, StepContext context) throws InterruptedException;

    /** Runs one step outside any cache. */
    default StepResult execute(Step step) throws InterruptedException {
        return execute(step, StepContext.NONE);
    }
}
