package dev.kforge.debian;

import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.exec.ProcessSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** What debootstrap leaves mounted in a root it did not finish. */
final class Mounts {

    private Mounts() {}

    /** Lazily unmounts every mount point at or below {@code dir}, deepest first, so it can be removed. */
    static void unmountUnder(ProcessRunner runner, Path dir) throws IOException, InterruptedException {
        Path mounts = Path.of("/proc/self/mounts");
        if (!Files.isReadable(mounts)) {
            return;
        }
        List<String> points = new ArrayList<>();
        for (String line : Files.readAllLines(mounts)) {
            String[] f = line.split(" ");
            if (f.length > 1) {
                String point = f[1].replace("\\040", " ");
                if (Path.of(point).startsWith(dir)) {
                    points.add(point);
                }
            }
        }
        points.sort(Comparator.comparingInt(String::length).reversed());
        for (String p : points) {
            runner.run(ProcessSpec.capture(List.of("umount", "-l", p), Path.of("/")));
        }
    }
}
