package dev.kforge.core.digest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class FingerprintTest {

    @Test
    void stringsAreLengthPrefixed() {
        assertThat(new Fingerprint("t", 1).add("ab").add("c").digest())
                .isNotEqualTo(new Fingerprint("t", 1).add("a").add("bc").digest());
    }

    @Test
    void listsAreCountPrefixed() {
        assertThat(new Fingerprint("t", 1)
                        .addStrings(List.of("a", "b"))
                        .addStrings(List.of())
                        .digest())
                .isNotEqualTo(new Fingerprint("t", 1)
                        .addStrings(List.of("a"))
                        .addStrings(List.of("b"))
                        .digest());
    }

    @Test
    void formatVersionSaltsTheDigest() {
        assertThat(new Fingerprint("t", 1).add("x").digest())
                .isNotEqualTo(new Fingerprint("t", 2).add("x").digest());
    }

    @Test
    void sameInputSameDigest() {
        var m = new TreeMap<String, String>();
        m.put("B", "2");
        m.put("A", "1");
        assertThat(new Fingerprint("t", 1).addMap(m).add(3).add(true).digest())
                .isEqualTo(new Fingerprint("t", 1)
                        .addMap(new TreeMap<>(m))
                        .add(3)
                        .add(true)
                        .digest());
    }

    @Test
    void digestIsValidated() {
        assertThat(Digest.of("").hex()).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThatThrownBy(() -> new Digest("XYZ")).isInstanceOf(IllegalArgumentException.class);
    }
}
