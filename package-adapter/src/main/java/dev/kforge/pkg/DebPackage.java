package dev.kforge.pkg;

import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One Debian binary package, as values: its control fields, its maintainer scripts and its files.
 *
 * @param name the package name (Debian policy: lower case, digits, + - .)
 * @param version the Debian version
 * @param architecture the Debian architecture (amd64, arm64, all)
 * @param maintainer {@code Name <address>}
 * @param description the synopsis line, then the extended description's lines
 * @param depends the Depends field's entries, in order (empty for none)
 * @param scripts maintainer scripts by name (postinst, postrm), each a whole script
 * @param files absolute install path (/lib/modules/...) to the file
 * @param mtime the time every member carries (SOURCE_DATE_EPOCH), seconds
 */
public record DebPackage(
        String name,
        String version,
        String architecture,
        String maintainer,
        List<String> description,
        List<String> depends,
        SortedMap<String, String> scripts,
        SortedMap<String, File> files,
        long mtime) {

    /** A file of the package: its bytes (copied in and out) and mode (0644, 0755). */
    public static final class File {
        private final byte[] content;
        private final int mode;

        public File(byte[] content, int mode) {
            this.content = Objects.requireNonNull(content, "content").clone();
            this.mode = mode;
        }

        public byte[] content() {
            return content.clone();
        }

        public int size() {
            return content.length;
        }

        public int mode() {
            return mode;
        }
    }

    public DebPackage {
        if (!name.matches("[a-z0-9][a-z0-9+.-]+")) {
            throw new IllegalArgumentException("'" + name + "' is not a Debian package name");
        }
        if (!version.matches("[0-9][A-Za-z0-9.+~:-]*")) {
            throw new IllegalArgumentException("'" + version + "' is not a Debian version");
        }
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(maintainer, "maintainer");
        if (description.isEmpty()) {
            throw new IllegalArgumentException("a Debian package needs a description");
        }
        description = List.copyOf(description);
        depends = List.copyOf(depends);
        scripts = Collections.unmodifiableSortedMap(new TreeMap<>(scripts));
        files = Collections.unmodifiableSortedMap(new TreeMap<>(files));
        for (String path : files.keySet()) {
            if (!path.startsWith("/") || path.endsWith("/") || path.contains("//") || path.contains("/../")) {
                throw new IllegalArgumentException("'" + path + "' is not an absolute file path");
            }
        }
    }
}
