package dev.kforge.pkg;

import dev.kforge.core.plan.PackageStepPlanner;
import dev.kforge.core.plan.Step;
import java.util.List;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Writes PACKAGE steps. A cell's package goes into its own directory under
 * {@code out/packages/FORMAT/KERNEL/ARCH-TOOLCHAIN/DRIVER/} (the step's declared output, replaced whole):
 * a source kernel's release is known only from the built modules' vermagic, so the file names inside
 * are decided when the step runs. The step's commands that name {@code ${package}} (the written file
 * or layout) check it with the format's own tool; one that names {@code ${stage}} runs on the staged
 * image tree before the layout is written (depmod).
 */
public final class PackagePlanner implements PackageStepPlanner {

    /** Bumped when what a package holds or how it is written changes: it salts every package's key. */
    static final int FORMAT = 1;

    /** Placeholders the executor resolves: what it wrote, the image tree it staged, the modules' release. */
    static final String PACKAGE = "${package}";

    static final String STAGE = "${stage}";
    static final String RELEASE = "${release}";

    @Override
    public SortedSet<String> tools(String format) {
        return switch (format) {
            case "deb" -> new TreeSet<>(List.of("dpkg-deb"));
            case "oci" -> new TreeSet<>(List.of("depmod", "skopeo")); // depmod writes the image's index
            default -> throw new IllegalArgumentException("no package format " + format);
        };
    }

    @Override
    public Step cellPackage(CellPackage r) {
        String cellPath = r.cell().target().kernel() + "/" + r.cell().target().archToolchain() + "/"
                + r.cell().driver();
        String dir = "${out}/packages/" + r.format() + "/" + cellPath + "/";
        SortedMap<String, String> attrs = new TreeMap<>();
        attrs.put("format", r.format());
        attrs.put("packageFormat", Integer.toString(FORMAT));
        attrs.put("cell", r.cell().id());
        attrs.put("driver", r.cell().driver());
        attrs.put("kernel", r.cell().target().kernel());
        attrs.put("arch", r.arch().key());
        attrs.put("debianArch", r.arch().debianArch());
        attrs.put("ociPlatform", r.arch().ociPlatform());
        attrs.put("toolchain", r.cell().target().toolchain());
        attrs.put("version", r.version());
        attrs.put("modules", r.outDir());
        attrs.put("dir", dir);
        attrs.put("sourceDateEpoch", Long.toString(r.sourceDateEpoch()));
        r.release().ifPresent(rel -> attrs.put("release", rel));
        r.distribution().ifPresent(d -> attrs.put("distribution", d));
        r.packaging().maintainer().ifPresent(m -> attrs.put("maintainer", m));
        r.packaging().description().ifPresent(d -> attrs.put("description", d));
        r.revision().ifPresent(rev -> attrs.put("revision", rev));
        r.dependencyDirs().forEach((driver, modules) -> attrs.put("dependency." + driver, modules));
        if (!r.dependsOn().isEmpty()) {
            attrs.put("dependsOn", String.join(",", r.dependsOn()));
        }
        List<List<String>> commands = switch (r.format()) {
            case "deb" -> List.of(List.of("dpkg-deb", "--info", PACKAGE));
            // depmod indexes the staged modules (STAGE/lib/modules/RELEASE) before the layout is written.
            case "oci" ->
                List.of(
                        List.of("depmod", "-b", STAGE, RELEASE),
                        List.of("skopeo", "inspect", "--raw", "oci:" + PACKAGE));
            default -> throw new IllegalArgumentException("no package format " + r.format());
        };
        return new Step(
                "package-" + r.format() + "/" + r.cell().id(),
                Step.Kind.PACKAGE,
                commands,
                new TreeMap<>(),
                "${workspace}",
                // What it packages is identified by the steps that publish it (their keys key this step), not
                // by the out/ directories, whose build.log and metadata.json a restore from the cache rewrites.
                List.of(),
                List.of(dir),
                r.deps(),
                attrs);
    }
}
