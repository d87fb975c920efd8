package dev.kforge.core.manifest;

import dev.kforge.core.model.SourcePos;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import org.tomlj.TomlArray;
import org.tomlj.TomlPosition;
import org.tomlj.TomlTable;

/** Typed, position-aware reads from one TOML table; every mistake becomes a {@link ManifestException}. */
final class TableReader {

    private final String file;
    private final String where;
    private final TomlTable table;
    private final SourcePos pos;

    TableReader(String file, String where, TomlTable table, SourcePos pos) {
        this.file = file;
        this.where = where;
        this.table = table;
        this.pos = pos;
    }

    SourcePos pos() {
        return pos;
    }

    String where() {
        return where;
    }

    SourcePos posOf(String key) {
        return position(table.inputPositionOf(List.of(key)));
    }

    SourcePos position(TomlPosition p) {
        return p == null ? pos : new SourcePos(file, p.line(), p.column());
    }

    /** Rejects keys outside {@code known}, naming the closest known key. */
    void onlyKeys(Set<String> known) {
        for (String key : new TreeSet<>(table.keySet())) {
            if (!known.contains(key)) {
                throw new ManifestException(
                        posOf(key),
                        "unknown key '" + key + "' in " + where,
                        Suggest.hint(key, known, "known keys: " + String.join(", ", new TreeSet<>(known))));
            }
        }
    }

    boolean has(String key) {
        return table.get(List.of(key)) != null;
    }

    Optional<String> optString(String key) {
        Object v = table.get(List.of(key));
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof String s)) {
            throw wrongType(key, "a string", v);
        }
        return Optional.of(s);
    }

    Optional<Long> optLong(String key) {
        Object v = table.get(List.of(key));
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof Long n)) {
            throw wrongType(key, "an integer", v);
        }
        return Optional.of(n);
    }

    Optional<Boolean> optBoolean(String key) {
        Object v = table.get(List.of(key));
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof Boolean b)) {
            throw wrongType(key, "true or false", v);
        }
        return Optional.of(b);
    }

    String string(String key) {
        return optString(key)
                .orElseThrow(() -> new ManifestException(
                        pos, where + " lacks required key '" + key + "'", "add " + key + " = \"...\" to " + where));
    }

    /** An array of strings; each element keeps its own position for later errors. */
    List<Positioned> strings(String key) {
        Object v = table.get(List.of(key));
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof TomlArray a)) {
            throw wrongType(key, "an array of strings", v);
        }
        List<Positioned> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            Object e = a.get(i);
            SourcePos p = position(a.inputPositionOf(i));
            if (!(e instanceof String s)) {
                throw new ManifestException(
                        p,
                        where + "." + key + "[" + i + "] must be a string, not " + typeName(e),
                        "write it in double quotes");
            }
            out.add(new Positioned(s, p));
        }
        return out;
    }

    /** A table of string values (integers and booleans are accepted and written as Kbuild sees them). */
    SortedMap<String, String> stringTable(String key) {
        Object v = table.get(List.of(key));
        var out = new TreeMap<String, String>();
        if (v == null) {
            return out;
        }
        if (!(v instanceof TomlTable t)) {
            throw wrongType(key, "a table", v);
        }
        for (String k : t.keySet()) {
            Object e = t.get(List.of(k));
            SourcePos p = position(t.inputPositionOf(List.of(k)));
            if (e instanceof String || e instanceof Long || e instanceof Boolean) {
                out.put(k, e instanceof Boolean b ? (b ? "y" : "n") : e.toString());
            } else {
                throw new ManifestException(
                        p,
                        where + "." + key + "." + k + " must be a string, not " + typeName(e),
                        "write the value in double quotes");
            }
        }
        return out;
    }

    /** Array of tables ({@code [[x]]} or an inline array of inline tables), or a single table. */
    List<TableReader> tables(String key) {
        Object v = table.get(List.of(key));
        if (v == null) {
            return List.of();
        }
        if (v instanceof TomlTable t) {
            return List.of(new TableReader(file, key, t, posOf(key)));
        }
        if (!(v instanceof TomlArray a)) {
            throw wrongType(key, "a table or an array of tables", v);
        }
        List<TableReader> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            Object e = a.get(i);
            SourcePos p = position(a.inputPositionOf(i));
            if (!(e instanceof TomlTable t)) {
                throw new ManifestException(
                        p,
                        key + "[" + i + "] must be a table, not " + typeName(e),
                        "use [[" + key + "]] headers or { key = value } inline tables");
            }
            out.add(new TableReader(file, key + "[" + i + "]", t, firstKeyOr(t, p)));
        }
        return out;
    }

    /** tomlj places an array element at the separator before it; a table in an array is where its first key is. */
    private SourcePos firstKeyOr(TomlTable t, SourcePos fallback) {
        SourcePos best = null;
        for (String k : t.keySet()) {
            SourcePos p = position(t.inputPositionOf(List.of(k)));
            if (best == null || p.line() < best.line() || (p.line() == best.line() && p.column() < best.column())) {
                best = p;
            }
        }
        return best == null ? fallback : best;
    }

    Optional<TableReader> table(String key) {
        Object v = table.get(List.of(key));
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof TomlTable t)) {
            throw wrongType(key, "a table", v);
        }
        return Optional.of(new TableReader(file, where.isEmpty() ? key : where + "." + key, t, posOf(key)));
    }

    private ManifestException wrongType(String key, String expected, Object actual) {
        return new ManifestException(
                posOf(key),
                (where.isEmpty() ? "" : where + ".") + key + " must be " + expected + ", not " + typeName(actual),
                "see docs/manifest.md for the shape of " + key);
    }

    static String typeName(Object v) {
        if (v instanceof String) {
            return "a string";
        } else if (v instanceof Long) {
            return "an integer";
        } else if (v instanceof Double) {
            return "a float";
        } else if (v instanceof Boolean) {
            return "a boolean";
        } else if (v instanceof TomlArray) {
            return "an array";
        } else if (v instanceof TomlTable) {
            return "a table";
        }
        return "a date or time";
    }

    /** A string value and where it stands. */
    record Positioned(String value, SourcePos pos) {}
}
