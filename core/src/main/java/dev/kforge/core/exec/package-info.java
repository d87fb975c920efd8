/**
 * Running things: the {@link dev.kforge.core.exec.ProcessRunner} port and its local
 * implementation (process groups, timeouts, no leaked children), the
 * {@link dev.kforge.core.exec.StepExecutor} port the adapters implement, and the
 * {@link dev.kforge.core.exec.Scheduler} that runs a DAG of steps in parallel. Knows no tool by name.
 */
package dev.kforge.core.exec;
