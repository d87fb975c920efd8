package dev.kforge.core.model;

import java.util.Objects;

/** One driver built for one target: the unit of results and reports. */
public record Cell(String driver, Target target) implements Comparable<Cell> {

    public Cell {
        Names.require("driver", driver);
        Objects.requireNonNull(target, "target");
    }

    /** {@code hello/v6.1/arm64-gcc}: used in step ids, reports and on the command line. */
    public String id() {
        return driver + "/" + target.id();
    }

    @Override
    public int compareTo(Cell o) {
        return id().compareTo(o.id());
    }

    @Override
    public String toString() {
        return id();
    }
}
