package dev.kforge.core.exec;

import dev.kforge.core.plan.Step;

/** Port: does the work of one plan step (implemented by the kbuild adapter). */
public interface StepExecutor {

    /**
     * Runs one step whose dependencies all succeeded. A failing build is a result, not an
     * exception; an exception means the environment or kforge itself is broken.
     *
     * @throws InterruptedException when cancelled; every process the step started is gone
     */
    StepResult execute(Step step) throws InterruptedException;
}
