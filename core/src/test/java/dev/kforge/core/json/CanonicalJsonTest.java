package dev.kforge.core.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CanonicalJsonTest {

    private static final String DOC = """
            {"s": "a\\u00e9\\n\\"q\\" \\ud83d\\ude00", "i": 42, "neg": -7, "l": 12345678901, "big": 123456789012345678901234567890,
             "d": 1.5, "e": -2.5e-3, "t": true, "f": false, "n": null, "empty": {}, "none": [],
             "nested": {"list": [1, "two", [3, {"four": 4.0}], null], "z": {"y": {}}}, "dup": 1, "dup": 2}
            """;

    @Test
    void readGivesTheTreeJacksonsUntypedReadingGives() throws Exception {
        Object expected = new ObjectMapper().readValue(DOC, Object.class);
        Object actual = CanonicalJson.read(DOC);
        assertThat(actual).isEqualTo(expected);
        Map<?, ?> m = (Map<?, ?>) actual;
        assertThat(m.get("i")).isInstanceOf(Integer.class);
        assertThat(m.get("l")).isInstanceOf(Long.class);
        assertThat(m.get("big")).isInstanceOf(BigInteger.class);
        assertThat(m.get("d")).isInstanceOf(Double.class);
        assertThat(m.get("dup")).isEqualTo(2);
        assertThat(new ArrayList<Object>(m.keySet()).subList(0, 3)).containsExactly("s", "i", "neg"); // document order
        assertThat(((Map<?, ?>) m.get("nested")).get("list"))
                .isEqualTo(Arrays.asList(1, "two", List.of(3, Map.of("four", 4.0)), null));
    }

    @Test
    void whatIsWrittenReadsBack() {
        Map<String, Object> tree = Map.of("b", List.of(1, 2, "x"), "a", Map.of("k", true));
        assertThat(CanonicalJson.read(CanonicalJson.write(tree))).isEqualTo(tree);
        assertThat(CanonicalJson.read(CanonicalJson.compact(tree))).isEqualTo(tree);
    }

    @Test
    void tornOrEmptyInputIsAnError() {
        for (String bad : List.of("", "   ", "{\"a\": 1", "[1, 2", "{\"a\": }", "{\"a\" 1}", "tru")) {
            assertThatThrownBy(() -> CanonicalJson.read(bad)).as(bad).isInstanceOf(UncheckedIOException.class);
        }
        assertThat(CanonicalJson.read("7")).isEqualTo(7);
        assertThat(CanonicalJson.read("null")).isNull();
    }
}
