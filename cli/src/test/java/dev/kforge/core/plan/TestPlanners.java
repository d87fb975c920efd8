package dev.kforge.core.plan;

import dev.kforge.core.catalog.Catalog;
import dev.kforge.kbuild.KbuildStepPlanner;
import dev.kforge.qemu.QemuStepPlanner;
import dev.kforge.rust.CargoStepPlanner;

/**
 * The planner as the composition root wires it (Kbuild for kernel steps, cargo for companions), for
 * tests that check the plan's real commands. They live in the cli module, the one that sees every adapter.
 */
final class TestPlanners {

    private TestPlanners() {}

    static Planner planner() {
        return new Planner(Catalog.builtIn(), new KbuildStepPlanner(), new CargoStepPlanner(), new QemuStepPlanner());
    }
}
