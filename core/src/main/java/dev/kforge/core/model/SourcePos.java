package dev.kforge.core.model;

/** Where a value came from: a file name (as the user named it), 1-based line and column. */
public record SourcePos(String file, int line, int column) {

    public SourcePos {
        if (file == null || file.isEmpty()) {
            throw new IllegalArgumentException("file is required");
        }
        if (line < 1 || column < 1) {
            throw new IllegalArgumentException("line and column are 1-based");
        }
    }

    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
