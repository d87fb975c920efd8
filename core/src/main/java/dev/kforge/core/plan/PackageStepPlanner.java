package dev.kforge.core.plan;

import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.Cell;
import dev.kforge.core.model.Driver;
import dev.kforge.core.model.Packaging;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Port: how built modules (and drivers' sources) become packages. The {@link Planner} decides which cells and
 * drivers are packaged, in which formats and after which steps; an implementation (the package adapter) writes
 * the PACKAGE step: what it reads, where it writes, and the attributes its executor needs. Pure, like
 * {@link KernelStepPlanner}.
 */
public interface PackageStepPlanner {

    /** The programs writing and checking packages of {@code format} runs; their identity keys those steps only. */
    java.util.SortedSet<String> tools(String format);

    /** The PACKAGE step of one cell in one format. */
    Step cellPackage(CellPackage request);

    /**
     * The PACKAGE step of one driver in a format that packages its sources ({@code Packaging.perDriver}):
     * it waits for every cell of the driver, whatever their outcome ({@link Step#AFTER_ANY}), and is made
     * from those that passed.
     */
    Step driverPackage(DriverPackage request);

    /**
     * One cell a driver package waits for.
     *
     * @param outDir the cell's out/ directory (its modules and metadata.json), in plan form
     * @param steps the steps that must have succeeded for the cell to count as working: its publisher (signature,
     *     else build) and, when the run tests, its test
     * @param build the cell's build step, which stands for it where a run has no other of its steps (kforge verify
     *     packages unsigned modules, untested)
     * @param kernelVersion the version of the cell's kernel (6.1.158), whose MAJOR.MINOR bounds the kernels the
     *     package builds on
     * @param unameMachines what {@code uname -m} prints on the cell's architecture
     */
    record DriverCell(
            String outDir, List<String> steps, String build, String kernelVersion, List<String> unameMachines) {
        public DriverCell {
            Objects.requireNonNull(outDir, "outDir");
            steps = List.copyOf(steps);
            Objects.requireNonNull(build, "build");
            Objects.requireNonNull(kernelVersion, "kernelVersion");
            unameMachines = List.copyOf(unameMachines);
        }
    }

    /**
     * One driver to package from its sources.
     *
     * @param format the package format
     * @param driver the driver
     * @param version its package version
     * @param cells its planned cells, by cell id
     * @param dependencies the drivers it needs, directly or not, by name (their sources give it their symbols'
     *     versions when it builds)
     * @param revision the workspace's source revision, when known
     * @param sourceDateEpoch the time every file in the package carries
     */
    record DriverPackage(
            String format,
            Driver driver,
            String version,
            java.util.SortedMap<String, DriverCell> cells,
            java.util.SortedMap<String, Driver> dependencies,
            Optional<String> revision,
            long sourceDateEpoch) {
        public DriverPackage {
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(driver, "driver");
            Objects.requireNonNull(version, "version");
            cells = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(cells));
            dependencies = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(dependencies));
            Objects.requireNonNull(revision, "revision");
        }
    }

    /**
     * One cell to package.
     *
     * @param format the package format
     * @param cell the cell
     * @param driver its driver
     * @param version the driver's package version
     * @param arch its architecture
     * @param packaging the workspace's [package] table
     * @param distribution the distribution whose kernel the cell was built for (its modules package is a
     *     dependency), empty for a kernel kforge or the user built
     * @param release the kernel release when known before the build (prebuilt kernels); else the modules'
     *     vermagic says it when the step runs
     * @param outDir the cell's out/ directory, holding its (signed) modules, in plan form
     * @param dependsOn the drivers whose packages this one needs (their modules export symbols it uses)
     * @param dependencyDirs the out/ directories of the drivers it needs, directly or not (an image carries
     *     their modules too, so modprobe finds them), by driver
     * @param revision the workspace's source revision, when known
     * @param sourceDateEpoch the time every file in the package carries (SOURCE_DATE_EPOCH)
     * @param deps the steps it waits for: the step that publishes the cell's out/ (its signature, else its
     *     build) and, when the run tests, the cell's test
     */
    record CellPackage(
            String format,
            Cell cell,
            Driver driver,
            String version,
            Architecture arch,
            Packaging packaging,
            Optional<String> distribution,
            Optional<String> release,
            String outDir,
            List<String> dependsOn,
            java.util.SortedMap<String, String> dependencyDirs,
            Optional<String> revision,
            long sourceDateEpoch,
            List<String> deps) {
        public CellPackage {
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(cell, "cell");
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(distribution, "distribution");
            Objects.requireNonNull(release, "release");
            dependsOn = List.copyOf(dependsOn);
            dependencyDirs = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(dependencyDirs));
            Objects.requireNonNull(revision, "revision");
            deps = List.copyOf(deps);
        }
    }
}
