package dev.kforge.core.plan;

import dev.kforge.core.model.Cell;
import java.util.Objects;

/** A cell of the matrix that does not apply, and why. Never dropped silently. */
public record Skip(Cell cell, String reason) implements Comparable<Skip> {

    public Skip {
        Objects.requireNonNull(cell, "cell");
        Objects.requireNonNull(reason, "reason");
    }

    @Override
    public int compareTo(Skip o) {
        return cell.compareTo(o.cell);
    }
}
