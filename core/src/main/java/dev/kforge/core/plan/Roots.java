package dev.kforge.core.plan;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The run-time values of a plan's named roots: {@code ${workspace}}, {@code ${out}},
 * {@code ${build}}, {@code ${trees}}, {@code ${kernel:NAME}} and {@code ${jobs}}.
 */
public final class Roots {

    private static final Pattern REF = Pattern.compile("\\$\\{([a-z]+(?::[A-Za-z0-9._+-]+)?)}");

    private final Map<String, String> values;

    public Roots(Path workspace, Path out, Path build, Path trees, Map<String, Path> kernels, int jobs) {
        Map<String, String> v = new TreeMap<>();
        v.put("workspace", workspace.toString());
        v.put("out", out.toString());
        v.put("build", build.toString());
        v.put("trees", trees.toString());
        kernels.forEach((k, p) -> v.put("kernel:" + k, p.toString()));
        v.put("jobs", Integer.toString(jobs));
        this.values = v;
    }

    /**
     * The host directories a step may read or write: workspace, out, build, trees and every kernel
     * root except toolchain roots ({@code root+NAME}); what a toolchain root binds inside itself.
     */
    public List<Path> hostDirs() {
        Set<Path> out = new LinkedHashSet<>();
        values.forEach((k, v) -> {
            if (!k.equals("jobs")
                    && !(k.startsWith("kernel:") && PlanRoot.isToolchainRoot(k.substring("kernel:".length())))) {
                Path p = Path.of(v);
                // A kernel's tree with its siblings: a distribution's per-port tree includes its -common
                // tree and kbuild beside it by absolute path.
                if (k.startsWith("kernel:")
                        && p.getParent() != null
                        && p.getParent().getParent() != null) {
                    out.add(p.getParent());
                }
                out.add(p);
            }
        });
        return List.copyOf(out);
    }

    /** Replaces every root reference; an unknown reference is a bug in the planner. */
    public String resolve(String s) {
        Matcher m = REF.matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = values.get(m.group(1));
            if (v == null) {
                throw new IllegalStateException("unknown root ${" + m.group(1) + "} in " + s);
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(v));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    public Path path(String s) {
        return Path.of(resolve(s));
    }

    public List<String> resolve(List<String> argv) {
        List<String> out = new ArrayList<>(argv.size());
        argv.forEach(a -> out.add(resolve(a)));
        return out;
    }
}
