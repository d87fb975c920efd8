package dev.kforge.core.service;

import dev.kforge.core.model.Workspace;
import dev.kforge.core.plan.BuildPlan;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A loaded workspace and its plan.
 *
 * @param workspace the manifest's model
 * @param root the workspace directory (the manifest's parent)
 * @param plan the build plan
 * @param kernelDirs where each kernel's source (or headers tree) is on this machine
 */
public record Planned(Workspace workspace, Path root, BuildPlan plan, Map<String, Path> kernelDirs) {

    public Planned {
        kernelDirs = Collections.unmodifiableMap(new TreeMap<>(kernelDirs));
    }

    public Path out() {
        return root.resolve(workspace.out()).normalize();
    }

    /** Per-cell build directories live here, never in the user's source tree. */
    public Path buildDir() {
        return root.resolve(".kforge").resolve("build");
    }
}
