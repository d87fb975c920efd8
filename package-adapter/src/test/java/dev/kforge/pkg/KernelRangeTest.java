package dev.kforge.pkg;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** BUILD_EXCLUSIVE_KERNEL from the kernels a driver worked and failed on, checked number by number and by bash. */
class KernelRangeTest {

    static KernelRange.Version v(String s) {
        return KernelRange.Version.of(s).orElseThrow();
    }

    @Test
    void versionsAreReadFromVersionsAndReleasesAlike() {
        assertThat(v("6.1.158")).isEqualTo(new KernelRange.Version(6, 1));
        assertThat(v("6.12.95+deb12-amd64")).isEqualTo(new KernelRange.Version(6, 12));
        assertThat(v("7.3-rc5-amd64")).isEqualTo(new KernelRange.Version(7, 3));
        assertThat(KernelRange.Version.of("unknown")).isEmpty();
        assertThat(v("6.10")).isGreaterThan(v("6.9"));
    }

    @Test
    void atLeastMatchesExactlyTheNumbersFromItsBoundUpward() {
        for (int bound : List.of(0, 1, 7, 9, 10, 15, 19, 20, 99, 100, 123)) {
            Pattern p = Pattern.compile("^(" + KernelRange.atLeast(bound) + ")$");
            for (int n = 0; n <= 1100; n++) {
                assertThat(p.matcher(Integer.toString(n)).matches())
                        .as("%d >= %d", n, bound)
                        .isEqualTo(n >= bound);
            }
            assertThat(p.matcher("0" + bound).matches()).as("leading zero").isFalse();
        }
    }

    @Test
    void theRangeRunsFromTheOldestWorkingKernelToTheFirstNewerFailure() {
        // Worked on 5.10 and 6.1; failed on 4.19 (older: below the range anyway), on 6.6 between two working
        // kernels (kept in: another arch may fail there) and first after the newest working on 6.16.
        KernelRange.Range r = KernelRange.of(
                        List.of(v("5.10"), v("6.1"), v("6.12")), List.of(v("4.19"), v("6.6"), v("6.18"), v("6.16")))
                .orElseThrow();
        assertThat(r.from()).isEqualTo(v("5.10"));
        assertThat(r.until()).contains(v("6.16"));
        assertThat(r.describe()).isEqualTo("5.10 up to, not including, 6.16");
        Pattern p = Pattern.compile(r.regex());
        for (String release : List.of("5.10.0-33-amd64", "5.19.1", "6.1.0-28-arm64", "6.6.9", "6.15.2-rc1", "6.12")) {
            assertThat(p.matcher(release).find()).as(release).isTrue();
        }
        for (String release :
                List.of("5.4.0-1-amd64", "5.1.0", "4.19.0-20-amd64", "6.16.0", "6.18.1", "7.0.0", "16.1.0")) {
            assertThat(p.matcher(release).find()).as(release).isFalse();
        }
        // Open above when nothing newer failed; empty when nothing worked.
        KernelRange.Range open =
                KernelRange.of(List.of(v("6.1")), List.of(v("5.10"))).orElseThrow();
        assertThat(open.until()).isEmpty();
        assertThat(open.describe()).isEqualTo("6.1 and later");
        Pattern o = Pattern.compile(open.regex());
        assertThat(List.of("6.1.0-28-amd64", "6.19.3", "7.3-rc5-amd64", "10.0.1"))
                .allSatisfy(rel -> assertThat(o.matcher(rel).find()).as(rel).isTrue());
        assertThat(List.of("6.0.9", "5.10.0", "1.1", "6"))
                .allSatisfy(rel -> assertThat(o.matcher(rel).find()).as(rel).isFalse());
        assertThat(KernelRange.of(List.of(), List.of(v("6.1")))).isEmpty();
        // Within one major.
        Pattern same = Pattern.compile(KernelRange.of(List.of(v("6.1")), List.of(v("6.4")))
                .orElseThrow()
                .regex());
        assertThat(same.matcher("6.3.1").find()).isTrue();
        assertThat(same.matcher("6.4.0").find()).isFalse();
        assertThat(same.matcher("6.0.0").find()).isFalse();
    }

    /** DKMS matches with bash's =~ (POSIX ERE): the same answers as Java's reading of the expression. */
    @Test
    void bashMatchesTheExpressionAsJavaDoes() throws Exception {
        String regex = KernelRange.of(List.of(v("5.10"), v("6.12")), List.of(v("7.2")))
                .orElseThrow()
                .regex();
        List<String> releases =
                List.of("5.10.0-33-amd64", "5.9.1", "6.0.0", "6.19.0", "7.0.0-rc1", "7.1.9", "7.2.0", "7.10", "8.0");
        StringBuilder script = new StringBuilder("re='" + regex + "'\n");
        for (String r : releases) {
            script.append("if [[ '").append(r).append("' =~ $re ]]; then echo yes; else echo no; fi\n");
        }
        Process p = new ProcessBuilder("bash", "-c", script.toString())
                .redirectErrorStream(true)
                .start();
        List<String> answers = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .lines()
                .toList();
        assertThat(p.waitFor()).isZero();
        List<String> expected = new ArrayList<>();
        Pattern java = Pattern.compile(regex);
        for (String r : releases) {
            expected.add(java.matcher(r).find() ? "yes" : "no");
        }
        assertThat(answers).isEqualTo(expected);
        assertThat(expected).containsExactly("yes", "no", "yes", "yes", "yes", "yes", "no", "no", "no");
        assertThat(Optional.of(regex)).hasValueSatisfying(r -> assertThat(r).doesNotContain("(?"));
    }
}
