package dev.kforge.core.plan;

import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.CargoCrate;
import dev.kforge.core.model.Driver;
import dev.kforge.core.model.Target;
import java.util.List;

/**
 * Port: how a driver's companion crates ({@code [[driver.cargo]]}) are built and tested. The
 * planner decides which companions run for which cells; an implementation (the Rust toolchain
 * adapter) writes the steps. Pure, like {@link KernelStepPlanner}.
 */
public interface CompanionStepPlanner {

    /** Programs companion steps run, whose identities the plan records. */
    List<String> tools();

    /** Runs a test crate on the host, once per driver and crate. */
    Step test(Driver driver, CargoCrate crate);

    /** Builds a tool crate for the architecture of one built cell; depends on that cell's build step. */
    Step tool(Driver driver, CargoCrate crate, Target target, Architecture arch, Step build);
}
