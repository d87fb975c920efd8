package dev.kforge.pkg;

import dev.kforge.core.model.CargoCrate;
import dev.kforge.core.model.Driver;
import dev.kforge.core.model.Language;
import dev.kforge.core.plan.PackageStepPlanner;
import dev.kforge.core.plan.Step;
import java.util.ArrayList;
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
            case "dkms" -> new TreeSet<>(List.of("bash", "tar")); // bash reads dkms.conf as DKMS does
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

    /**
     * A driver's DKMS package, in {@code out/packages/dkms/DRIVER/}: it waits for every cell of the driver
     * whatever their outcome and is made from those that worked. Its inputs are the driver's directory and
     * those of the drivers it needs (their sources go in); its attributes say where each cell published and
     * which steps had to succeed for it to count.
     */
    @Override
    public Step driverPackage(DriverPackage r) {
        if (!r.format().equals("dkms")) {
            throw new IllegalArgumentException("no driver package format " + r.format());
        }
        Driver d = r.driver();
        String dir = "${out}/packages/" + r.format() + "/" + d.name() + "/";
        SortedMap<String, String> attrs = new TreeMap<>();
        attrs.put(Step.GATE, Step.AFTER_ANY);
        attrs.put("format", r.format());
        attrs.put("packageFormat", Integer.toString(FORMAT));
        attrs.put("driver", d.name());
        attrs.put("version", r.version());
        attrs.put("dir", dir);
        attrs.put("sourceDateEpoch", Long.toString(r.sourceDateEpoch()));
        r.revision().ifPresent(rev -> attrs.put("revision", rev));
        List<String> configs = new ArrayList<>(d.requires());
        if (d.language() == Language.RUST && !configs.contains("CONFIG_RUST")) {
            configs.add("CONFIG_RUST");
        }
        if (!configs.isEmpty()) {
            attrs.put("requires", String.join(",", configs));
        }
        List<String> inputs = new ArrayList<>();
        putSource(attrs, "source.", d);
        inputs.add(attrs.get("source.dir"));
        r.dependencies().forEach((name, dep) -> {
            putSource(attrs, "dependency." + name + ".", dep);
            inputs.add(attrs.get("dependency." + name + ".dir"));
        });
        SortedSet<String> deps = new TreeSet<>();
        r.cells().forEach((id, c) -> {
            attrs.put("cell." + id + ".dir", c.outDir());
            attrs.put("cell." + id + ".steps", String.join(",", c.steps()));
            attrs.put("cell." + id + ".build", c.build());
            attrs.put("cell." + id + ".kernelVersion", c.kernelVersion());
            attrs.put("cell." + id + ".machines", String.join(",", c.unameMachines()));
            deps.addAll(c.steps());
        });
        return new Step(
                "package-" + r.format() + "/" + d.name(),
                Step.Kind.PACKAGE,
                List.of(
                        // The generated dkms.conf, read by bash as DKMS reads it, before the tarball is written.
                        List.of("bash", "-n", STAGE + "/" + DkmsContent.TREE + "dkms.conf"),
                        List.of("tar", "-tzf", PACKAGE)),
                new TreeMap<>(),
                "${workspace}",
                inputs,
                List.of(dir),
                List.copyOf(deps),
                attrs);
    }

    /** A driver's directory, make variables, direct dependencies and cargo crates (left out), under {@code prefix}. */
    private static void putSource(SortedMap<String, String> attrs, String prefix, Driver d) {
        attrs.put(prefix + "dir", "${workspace}/" + d.path());
        d.makeVariables().forEach((k, v) -> attrs.put(prefix + "make." + k, v));
        if (!d.dependsOn().isEmpty()) {
            attrs.put(prefix + "dependsOn", String.join(",", d.dependsOn()));
        }
        List<String> crates = new ArrayList<>();
        for (CargoCrate c : d.cargo()) {
            if (c.path().startsWith(d.path() + "/")) {
                crates.add(c.path().substring(d.path().length() + 1));
            }
        }
        if (!crates.isEmpty()) {
            attrs.put(prefix + "exclude", String.join(",", crates));
        }
    }
}
