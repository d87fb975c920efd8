/**
 * One service per use case: {@link dev.kforge.core.service.PlanService} (load and plan),
 * {@link dev.kforge.core.service.BuildService}, {@link dev.kforge.core.service.VerifyService},
 * {@link dev.kforge.core.service.GatherService}; {@link dev.kforge.core.service.Selection} picks the
 * steps a run takes. The CLI's composition root wires them to the adapters.
 */
package dev.kforge.core.service;
