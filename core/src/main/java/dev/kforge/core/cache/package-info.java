/**
 * The step cache: step keys (a fingerprint of everything that can change a step's result),
 * the {@link dev.kforge.core.cache.StepCache} port with its local content-addressed store and the
 * Bazel-protocol HTTP store, and {@link dev.kforge.core.cache.CachingExecutor}, which restores a
 * step's outputs instead of running it. Owns cross-process file locks.
 */
package dev.kforge.core.cache;
