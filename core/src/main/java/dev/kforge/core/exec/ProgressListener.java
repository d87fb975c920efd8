package dev.kforge.core.exec;

import dev.kforge.core.plan.Step;

/** Observes a run; called from worker threads, so implementations synchronise themselves. */
public interface ProgressListener {

    ProgressListener NONE = new ProgressListener() {};

    default void started(Step step, int done, int total) {}

    default void finished(Step step, StepResult result, int done, int total) {}
}
