package dev.kforge.core.plan;

import java.util.Objects;

/**
 * A file or directory a step produces, in plan form ({@code ${out}/...}). What a step declares is
 * exactly what the step cache stores and restores: a file output as that file (absent after a
 * successful run means the step produced none), a directory output as every file under it, replaced
 * as a whole on restore. In a plan's JSON a directory output ends in {@code /}.
 *
 * @param path the path in plan form, without a trailing slash
 * @param directory whether the output is a directory tree rather than one file
 */
public record Output(String path, boolean directory) {

    public Output {
        Objects.requireNonNull(path, "path");
        if (path.isEmpty() || path.endsWith("/")) {
            throw new IllegalArgumentException("an output path is non-empty and has no trailing slash: '" + path + "'");
        }
    }

    public static Output file(String path) {
        return new Output(path, false);
    }

    public static Output directory(String path) {
        return new Output(path, true);
    }

    /** Throws as {@link #parse} would on a malformed plan form, without making the value. */
    static void check(String planForm) {
        int end = planForm.endsWith("/") ? planForm.length() - 1 : planForm.length();
        if (end == 0 || planForm.charAt(end - 1) == '/') {
            throw new IllegalArgumentException(
                    "an output path is non-empty and has no trailing slash: '" + planForm + "'");
        }
    }

    /** The plan form: a directory ends in {@code /}. */
    public static Output parse(String planForm) {
        return planForm.endsWith("/") ? directory(planForm.substring(0, planForm.length() - 1)) : file(planForm);
    }

    /** Whether {@code other} lies inside this directory output. */
    public boolean contains(String other) {
        return directory && other.startsWith(path + "/");
    }

    @Override
    public String toString() {
        return directory ? path + "/" : path;
    }
}
