package dev.kforge.core.kernel;

import dev.kforge.core.model.KernelSource;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Optional capability of a {@link DistroKernels}: the source a distribution built one of its kernels
 * from, for the trees kforge prepares where the headers package is not enough (Rust drivers: no
 * headers package ships the kernel's Rust crates). Debian's: linux-source-X.Y of exactly the
 * headers' version, from the kernel's suite, its tarball taken out of the .deb into the cache.
 */
public interface KernelSources {

    /**
     * The source of the kernel whose headers tree for one architecture is {@code tree}, fetched
     * when not cached; or why there is none (the archive has another version, or none).
     */
    Source source(KernelSource kernel, KernelFacts tree) throws InterruptedException;

    /**
     * A kernel's source.
     *
     * @param tarball the source tarball on this machine, when there is one
     * @param name what it is, for messages and provenance ({@code linux-source-7.3 7.3.4-1~bpo13+1})
     * @param missing why there is none, in words a user acts on
     */
    record Source(Optional<Path> tarball, String name, Optional<String> missing) {
        public Source {
            Objects.requireNonNull(tarball, "tarball");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(missing, "missing");
            if (tarball.isPresent() == missing.isPresent()) {
                throw new IllegalArgumentException("a source is either there or missing, with the reason");
            }
        }

        public static Source found(Path tarball, String name) {
            return new Source(Optional.of(tarball), name, Optional.empty());
        }

        public static Source missing(String name, String why) {
            return new Source(Optional.empty(), name, Optional.of(why));
        }
    }
}
