package dev.kforge.pkg;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a cell's Debian package holds: its modules under {@code /lib/modules/RELEASE/updates/DRIVER/}
 * (depmod searches updates/ first), maintainer scripts that rebuild the module index of that release
 * only (honouring {@code DPKG_ROOT}), the copyright and changelog Debian policy asks of every package,
 * and control fields naming the kernel it was built for.
 */
final class DebContent {

    /**
     * A cell's package, as the step's attributes describe it.
     *
     * @param driver the driver's name
     * @param version the driver's package version
     * @param release the kernel release its modules were built for (their vermagic)
     * @param debianArch the Debian architecture
     * @param maintainer {@code Name <address>}
     * @param description the one-line synopsis, when the manifest gives one
     * @param distribution the distribution whose kernel it was built for (debian), when it was
     * @param dependsOn drivers whose packages it needs
     * @param summary one line about how it was built (kernel, arch, toolchain, signer), for the long description
     * @param modules module file name to bytes, as built (and signed)
     * @param licenses each module's MODULE_LICENSE
     * @param mtime SOURCE_DATE_EPOCH
     */
    record Cell(
            String driver,
            String version,
            String release,
            String debianArch,
            String maintainer,
            Optional<String> description,
            Optional<String> distribution,
            List<String> dependsOn,
            String summary,
            SortedMap<String, byte[]> modules,
            SortedMap<String, String> licenses,
            long mtime) {}

    private DebContent() {}

    /** The Debian package name of a driver's modules for one release: DRIVER-modules-RELEASE, lower case, no _. */
    static String packageName(String driver, String release) {
        return (driver + "-modules-" + release).toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The package's version: the driver's, then the release with its dashes as dots (1.2.0+6.1.0.28.amd64). */
    static String packageVersion(String version, String release) {
        return version + "+" + release.replaceAll("[^A-Za-z0-9.+~]", ".");
    }

    /** The .deb's file name, as dpkg-name would give it. */
    static String fileName(DebPackage p) {
        return p.name() + "_" + p.version().replace(":", "%3a") + "_" + p.architecture() + ".deb";
    }

    static DebPackage of(Cell c) throws IOException {
        String name = packageName(c.driver(), c.release());
        String version = packageVersion(c.version(), c.release());
        SortedMap<String, DebPackage.File> files = new TreeMap<>();
        for (Map.Entry<String, byte[]> m : c.modules().entrySet()) {
            files.put(
                    "/lib/modules/" + c.release() + "/updates/" + c.driver() + "/" + m.getKey(),
                    new DebPackage.File(m.getValue(), 0644));
        }
        String doc = "/usr/share/doc/" + name + "/";
        files.put(doc + "copyright", new DebPackage.File(copyright(c).getBytes(StandardCharsets.UTF_8), 0644));
        files.put(doc + "changelog.gz", new DebPackage.File(gzip(changelog(c, name, version)), 0644));
        List<String> depends = new ArrayList<>();
        if (c.distribution().filter("debian"::equals).isPresent()) {
            // Debian ships each kernel's image signed (linux-image-R) or not (linux-image-R-unsigned); either carries
            // the modules.
            depends.add("linux-image-" + c.release() + " | linux-image-" + c.release() + "-unsigned");
        }
        c.dependsOn().forEach(d -> depends.add(packageName(d, c.release())));
        List<String> description = new ArrayList<>();
        description.add(c.description().orElse(c.driver() + " kernel module for Linux " + c.release()));
        description.addAll(wrap("Out-of-tree kernel module " + c.driver() + " " + c.version()
                + ", built by kforge for kernel " + c.release() + ". " + c.summary() + " The modules go into"
                + " /lib/modules/" + c.release() + "/updates/" + c.driver() + "/; installing and removing"
                + " the package refreshes that kernel's module index."));
        SortedMap<String, String> scripts = new TreeMap<>();
        scripts.put("postinst", depmod(c.release(), "configure"));
        scripts.put("postrm", depmod(c.release(), "remove|purge"));
        return new DebPackage(
                name, version, c.debianArch(), c.maintainer(), description, depends, scripts, files, mtime(c.mtime()));
    }

    /** Words in lines of at most 79 characters, as Debian's extended descriptions are. */
    static List<String> wrap(String text) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > 79) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        if (line.length() > 0) {
            lines.add(line.toString());
        }
        return lines;
    }

    /**
     * The time every member of a package carries: SOURCE_DATE_EPOCH, but not before 2000 (a workspace
     * outside git without SOURCE_DATE_EPOCH plans at 0, which Debian's tools reject as an ancient file).
     */
    static long mtime(long sourceDateEpoch) {
        return Math.max(sourceDateEpoch, EPOCH_FLOOR);
    }

    /** 2000-01-01T00:00:00Z. */
    static final long EPOCH_FLOOR = 946_684_800L;

    /** A maintainer script that runs depmod for this release only, when its modules directory is there. */
    static String depmod(String release, String when) {
        return "#!/bin/sh\n"
                + "set -e\n"
                + "# Generated by kforge: refresh the module index of kernel " + release + " (only).\n"
                + "case \"$1\" in\n"
                + "    " + when + ")\n"
                + "        if [ -d \"${DPKG_ROOT}/lib/modules/" + release
                + "\" ] && command -v depmod >/dev/null 2>&1; then\n"
                + "            depmod -b \"${DPKG_ROOT:-/}\" -a " + release + "\n"
                + "        fi\n"
                + "        ;;\n"
                + "esac\n"
                + "exit 0\n";
    }

    private static String copyright(Cell c) {
        String licenses = String.join(", ", new java.util.TreeSet<>(c.licenses().values()));
        return "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
                + "Upstream-Name: " + c.driver() + "\n"
                + "Comment: Kernel modules built by kforge. Their MODULE_LICENSE: "
                + (licenses.isEmpty() ? "(none declared)" : licenses) + ".\n"
                + "\n"
                + "Files: *\n"
                + "Copyright: the authors of " + c.driver() + "\n"
                + "License: " + (licenses.isEmpty() ? "unknown" : licenses) + "\n"
                + " See the driver's source for its license text.\n";
    }

    private static String changelog(Cell c, String name, String version) {
        String date = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z", Locale.ROOT)
                .format(Instant.ofEpochSecond(mtime(c.mtime())).atOffset(ZoneOffset.UTC));
        return name + " (" + version + ") unstable; urgency=medium\n\n"
                + "  * Built by kforge for kernel " + c.release() + ".\n\n"
                + " -- " + c.maintainer() + "  " + date + "\n";
    }

    /** Gzip without a name or time in its header (what gzip -n writes), so the package stays byte-identical. */
    private static byte[] gzip(String text) throws IOException {
        return Tarballs.gzip(text.getBytes(StandardCharsets.UTF_8), 9);
    }
}
