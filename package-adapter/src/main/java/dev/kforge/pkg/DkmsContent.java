package dev.kforge.pkg;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A DKMS source package of one driver: its sources and a generated dkms.conf under
 * {@code dkms_source_tree/} (the layout {@code dkms ldtarball} loads; extracted to
 * /usr/src/DRIVER-VERSION it is what {@code dkms add} takes). The modules and their locations are those
 * the driver's working cells built; the make variables are the manifest's; BUILD_EXCLUSIVE_KERNEL and
 * BUILD_EXCLUSIVE_ARCH bound it to the kernels and architectures its cells worked on.
 *
 * <p>A driver that uses another driver's symbols carries that driver's sources too, under
 * {@code .kforge-deps/DEPENDENCY/}: its MAKE builds them first for their Module.symvers (as kforge's
 * own builds pass KBUILD_EXTRA_SYMBOLS), and BUILD_DEPENDS makes DKMS build and install the dependency's
 * own package first, whose module is the one loaded.
 */
final class DkmsContent {

    /** Where a package's sources and dkms.conf sit in the tarball. */
    static final String TREE = "dkms_source_tree/";

    /** Where a dependency's sources sit inside the tree. */
    static final String DEPS = ".kforge-deps/";

    private DkmsContent() {}

    /**
     * One driver's sources.
     *
     * @param name the driver's name
     * @param files its files, by path relative to its directory
     * @param make its make variables ({@code [driver.make]})
     * @param dependsOn the drivers whose symbols it uses, directly
     */
    record Source(
            String name,
            SortedMap<String, DebPackage.File> files,
            SortedMap<String, String> make,
            List<String> dependsOn) {
        Source {
            Objects.requireNonNull(name, "name");
            files = new TreeMap<>(files);
            make = new TreeMap<>(make);
            dependsOn = List.copyOf(dependsOn);
        }
    }

    /**
     * What the package is made of.
     *
     * @param driver the driver's sources
     * @param version PACKAGE_VERSION
     * @param dependencies the drivers it needs, directly or not, in build order (a driver after those it needs)
     * @param modules the modules its cells built, by path relative to its directory (kf_core.ko, sub/x.ko)
     * @param kernels the kernels it worked on
     * @param machines what {@code uname -m} prints on the architectures it worked on
     * @param configs the options the kernel must have (CONFIG_X), BUILD_EXCLUSIVE_CONFIG
     * @param worked what the header comment lists: the releases and architectures it worked on
     */
    record Contents(
            Source driver,
            String version,
            List<Source> dependencies,
            List<String> modules,
            KernelRange.Range kernels,
            List<String> machines,
            List<String> configs,
            List<String> worked) {
        Contents {
            Objects.requireNonNull(driver, "driver");
            Objects.requireNonNull(version, "version");
            dependencies = List.copyOf(dependencies);
            modules = List.copyOf(modules);
            Objects.requireNonNull(kernels, "kernels");
            machines = List.copyOf(machines);
            configs = List.copyOf(configs);
            worked = List.copyOf(worked);
            if (modules.isEmpty()) {
                throw new IllegalArgumentException(driver.name() + ": a DKMS package builds at least one module");
            }
        }
    }

    /** The tarball's file name. */
    static String fileName(Contents p) {
        return p.driver().name() + "-" + p.version() + "-dkms.tar.gz";
    }

    /** The tarball's members: directories (null) and files, under {@link #TREE}. */
    static SortedMap<String, DebPackage.File> members(Contents p) {
        SortedMap<String, DebPackage.File> files = new TreeMap<>();
        files.put("dkms.conf", new DebPackage.File(conf(p).getBytes(StandardCharsets.UTF_8), 0644));
        files.putAll(p.driver().files());
        for (Source d : p.dependencies()) {
            d.files().forEach((path, f) -> files.put(DEPS + d.name() + "/" + path, f));
        }
        SortedMap<String, DebPackage.File> members = new TreeMap<>();
        members.put(TREE, null);
        files.forEach((path, f) -> {
            String member = TREE + path;
            for (int i = member.indexOf('/', TREE.length()); i >= 0; i = member.indexOf('/', i + 1)) {
                members.put(member.substring(0, i + 1), null);
            }
            members.put(member, f);
        });
        return members;
    }

    /** dkms.conf: a shell fragment DKMS sources, with its own variables (kernel_source_dir, dkms_tree) set. */
    static String conf(Contents p) {
        String name = p.driver().name();
        String build = "${dkms_tree}/${PACKAGE_NAME}/${PACKAGE_VERSION}/build";
        StringBuilder sb = new StringBuilder();
        sb.append("# dkms.conf of ")
                .append(name)
                .append(' ')
                .append(p.version())
                .append(", written by kforge package from kforge.toml.\n");
        sb.append("# kforge built it (and, where it tested, loaded it) on:\n");
        p.worked().forEach(w -> sb.append("#   ").append(w).append('\n'));
        sb.append("# so it builds on kernels ").append(p.kernels().describe());
        sb.append(" and on these machines (uname -m): ")
                .append(String.join(", ", p.machines()))
                .append(".\n");
        sb.append("PACKAGE_NAME=\"").append(name).append("\"\n");
        sb.append("PACKAGE_VERSION=\"").append(dq(p.version())).append("\"\n");
        for (int i = 0; i < p.modules().size(); i++) {
            String m = p.modules().get(i);
            int slash = m.lastIndexOf('/');
            String file = m.substring(slash + 1);
            sb.append("BUILT_MODULE_NAME[")
                    .append(i)
                    .append("]=\"")
                    .append(dq(file.substring(0, file.length() - ".ko".length())))
                    .append("\"\n");
            if (slash >= 0) {
                sb.append("BUILT_MODULE_LOCATION[")
                        .append(i)
                        .append("]=\"")
                        .append(dq(m.substring(0, slash + 1)))
                        .append("\"\n");
            }
            sb.append("DEST_MODULE_LOCATION[").append(i).append("]=\"/updates/dkms\"\n");
        }
        List<String> makes = new ArrayList<>();
        SortedMap<String, String> symvers = new TreeMap<>();
        for (Source d : p.dependencies()) {
            String dir = build + "/" + DEPS + d.name();
            makes.add(make(dir, d, symvers, makes.isEmpty()));
            symvers.put(d.name(), dir + "/Module.symvers");
        }
        // DKMS adds -j and KERNELRELEASE to the first make only, and CC=clang (for a clang-built kernel) to the end.
        makes.add(make(build, p.driver(), symvers, makes.isEmpty()));
        sb.append("MAKE[0]=\"").append(String.join(" && ", makes)).append("\"\n");
        sb.append("CLEAN=\"make -C ${kernel_source_dir} M=").append(build).append(" clean\"\n");
        for (int i = 0; i < p.driver().dependsOn().size(); i++) {
            sb.append("BUILD_DEPENDS[")
                    .append(i)
                    .append("]=\"")
                    .append(dq(p.driver().dependsOn().get(i)))
                    .append("\"\n");
        }
        sb.append("BUILD_EXCLUSIVE_KERNEL=\"").append(dq(p.kernels().regex())).append("\"\n");
        sb.append("BUILD_EXCLUSIVE_ARCH=\"^(")
                .append(dq(String.join("|", p.machines())))
                .append(")$\"\n");
        if (!p.configs().isEmpty()) {
            sb.append("BUILD_EXCLUSIVE_CONFIG=\"")
                    .append(dq(String.join(" ", p.configs())))
                    .append("\"\n");
        }
        sb.append("AUTOINSTALL=\"yes\"\n");
        return sb.toString();
    }

    /**
     * One make of the MAKE line, as DKMS evaluates it: the driver in {@code dir}, with the Module.symvers of the
     * drivers it needs and its make variables, each one word however it is spelt.
     */
    private static String make(String dir, Source s, SortedMap<String, String> symvers, boolean first) {
        List<String> words = new ArrayList<>(List.of("make"));
        if (!first) {
            words.add("KERNELRELEASE=${kernelver}");
        }
        words.add("-C");
        words.add("${kernel_source_dir}");
        words.add("M=" + dir);
        List<String> needed = new ArrayList<>();
        for (String d : s.dependsOn()) {
            Optional.ofNullable(symvers.get(d)).ifPresent(needed::add);
        }
        // The transitive ones too: modpost warns about a symbol a needed module re-exports otherwise.
        symvers.forEach((d, f) -> {
            if (!needed.contains(f)) {
                needed.add(f);
            }
        });
        if (!needed.isEmpty()) {
            words.add("\\\"KBUILD_EXTRA_SYMBOLS=" + String.join(" ", needed) + "\\\"");
        }
        s.make().forEach((k, v) -> words.add(dq(sq(k + "=" + v))));
        words.add("modules");
        return String.join(" ", words);
    }

    /** A word for the shell DKMS evaluates the MAKE line with: single-quoted. */
    static String sq(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** Text inside a double-quoted assignment of the sourced file: \, ", $ and ` escaped. */
    static String dq(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' || c == '"' || c == '$' || c == '`') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
    }
}
