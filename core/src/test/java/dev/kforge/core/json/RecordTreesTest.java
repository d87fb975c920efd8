package dev.kforge.core.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RecordTreesTest {

    enum Colour {
        RED,
        GREEN
    }

    record Leaf(String s, int i, long l, boolean b, Colour c) {}

    record Node(
            Optional<String> maybe,
            Optional<Leaf> leaf,
            List<Leaf> leaves,
            SortedMap<String, String> vars,
            Map<String, List<Integer>> lists) {}

    private static Object throughJson(Object tree) {
        return CanonicalJson.read(CanonicalJson.compact(tree));
    }

    @Test
    void recordsRoundTripThroughJson() {
        Node n = new Node(
                Optional.of("x"),
                Optional.empty(),
                List.of(new Leaf("a", 1, 12345678901L, true, Colour.GREEN), new Leaf("", -1, 0L, false, Colour.RED)),
                new TreeMap<>(Map.of("B", "2", "A", "1")),
                Map.of("k", List.of(1, 2)));
        assertThat(RecordTrees.decode(throughJson(RecordTrees.encode(n)), Node.class))
                .isEqualTo(n);
        Node empty = new Node(
                Optional.empty(),
                Optional.of(new Leaf("z", 0, 0L, false, Colour.RED)),
                List.of(),
                new TreeMap<>(),
                Map.of());
        assertThat(RecordTrees.decode(throughJson(RecordTrees.encode(empty)), Node.class))
                .isEqualTo(empty);
    }

    @Test
    void whatIsNotAModelValueIsRefused() {
        assertThatThrownBy(() -> RecordTrees.encode(new Object())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RecordTrees.decode(Map.of("s", "a"), Leaf.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lacks");
        assertThatThrownBy(() -> RecordTrees.decode(Map.of("s", 1, "i", 1, "l", 1, "b", true, "c", "RED"), Leaf.class))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(
                        () -> RecordTrees.decode(Map.of("s", "a", "i", 1, "l", 1, "b", true, "c", "BLUE"), Leaf.class))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
