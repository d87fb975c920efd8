package dev.kforge.core.service;

import dev.kforge.core.cache.CacheDirs;
import dev.kforge.core.catalog.Catalog;

/**
 * The use cases, one service each, as the composition root wires them: plan, build, verify and
 * gather. Commands take the one they need.
 */
public record Services(
        Catalog catalog,
        CacheDirs cache,
        PlanService plans,
        BuildService builds,
        VerifyService verifications,
        GatherService gathers) {}
