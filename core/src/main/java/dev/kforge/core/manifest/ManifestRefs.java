package dev.kforge.core.manifest;

import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.manifest.TableReader.Positioned;
import dev.kforge.core.model.Names;
import dev.kforge.core.model.SourcePos;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Names and paths in the manifest checked against the catalog and the workspace, with positioned errors and hints. */
final class ManifestRefs {

    private final Catalog catalog;

    ManifestRefs(Catalog catalog) {
        this.catalog = catalog;
    }

    String name(TableReader t, String what) {
        String name = t.string("name");
        if (!Names.isValid(name)) {
            throw new ManifestException(
                    t.posOf("name"), "invalid " + what + " name '" + name + "'", "use " + Names.rule());
        }
        return name;
    }

    String arch(Positioned a) {
        return catalog.arch(a.value())
                .map(x -> x.key())
                .orElseThrow(() -> new ManifestException(
                        a.pos(),
                        "unknown architecture '" + a.value() + "' (known: " + archKeys() + ")",
                        Suggest.hint(a.value(), archNames(), "see kforge list arches")));
    }

    private Map<String, String> archNames() {
        Map<String, String> names = new TreeMap<>();
        catalog.arches().forEach(a -> {
            names.put(a.key(), a.key());
            a.aliases().forEach(alias -> names.put(alias, a.key()));
        });
        return names;
    }

    String toolchain(Positioned t) {
        List<String> known = catalog.toolchains().stream().map(x -> x.key()).toList();
        return catalog.toolchain(t.value())
                .map(x -> x.key())
                .orElseThrow(() -> new ManifestException(
                        t.pos(),
                        "unknown toolchain '" + t.value() + "' (known: " + String.join(", ", known) + ")",
                        Suggest.hint(t.value(), known, "see kforge list toolchains")));
    }

    static String kernel(Positioned k, List<String> known) {
        if (!known.contains(k.value())) {
            throw new ManifestException(
                    k.pos(),
                    "unknown kernel '" + k.value() + "' (declared: "
                            + (known.isEmpty() ? "none" : String.join(", ", known)) + ")",
                    Suggest.hint(k.value(), known, "declare it with [[kernel]] name = \"" + k.value() + "\""));
        }
        return k.value();
    }

    String archKeys() {
        return String.join(", ", catalog.arches().stream().map(a -> a.key()).toList());
    }

    static String relativePath(TableReader t, String key, String value) {
        return relativePath(t, t.posOf(key), value);
    }

    /** Workspace paths must stay inside the workspace: no absolute paths, no escaping '..'. */
    static String relativePath(TableReader t, SourcePos pos, String value) {
        Path p;
        try {
            p = Path.of(value);
        } catch (InvalidPathException e) {
            throw new ManifestException(pos, "invalid path '" + value + "'", "use a plain relative path");
        }
        Path n = p.normalize();
        if (p.isAbsolute() || n.startsWith("..") || value.isBlank()) {
            throw new ManifestException(
                    pos,
                    "path '" + value + "' leaves the workspace",
                    "paths in " + t.where() + " are relative to the manifest's directory and stay below it");
        }
        String s = n.toString().replace('\\', '/');
        return s.isEmpty() ? "." : s;
    }
}
