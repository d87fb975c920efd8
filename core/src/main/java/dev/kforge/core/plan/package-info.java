/**
 * Planning: {@link dev.kforge.core.plan.Planner} expands the matrix, decides skips, keys and
 * names trees, orders dependencies and hashes the resulting {@link dev.kforge.core.plan.BuildPlan}.
 * How a step runs is the adapters' business, behind the ports
 * {@link dev.kforge.core.plan.KernelStepPlanner} and {@link dev.kforge.core.plan.CompanionStepPlanner}.
 * Also sharding for CI. Names no tool, make variable or cargo flag.
 */
package dev.kforge.core.plan;
