package dev.kforge.core.service;

import dev.kforge.core.KforgeException;
import dev.kforge.core.model.Driver;
import dev.kforge.core.model.Packaging;
import dev.kforge.core.model.Workspace;
import java.util.List;

/** What packaging needs from the manifest before anything is planned: a version per driver, a maintainer. */
final class PackagingChecks {

    private PackagingChecks() {}

    static void check(Workspace ws, List<String> formats) {
        if (formats.isEmpty()) {
            return;
        }
        for (String f : formats) {
            if (!Packaging.FORMATS.contains(f)) {
                throw KforgeException.userInput(
                        "unknown package format '" + f + "'", "formats are " + String.join(", ", Packaging.FORMATS));
            }
        }
        Packaging p = ws.packaging();
        for (Driver d : ws.drivers()) {
            if (p.versionOf(d).isEmpty()) {
                throw KforgeException.userInput(
                        d.pos() + ": driver '" + d.name() + "' has no version to package",
                        "add version = \"1.0.0\" to its [[driver]] table, or to [package] for every driver");
            }
        }
        if (formats.contains("deb") && p.maintainer().isEmpty()) {
            throw KforgeException.userInput(
                    p.pos().map(pos -> pos + ": ").orElse(ws.manifestName() + ": ")
                            + "a Debian package needs a maintainer",
                    "add maintainer = \"Name <address>\" to [package]");
        }
    }
}
