package dev.kforge.core.kernel;

import java.util.Optional;

/** Port: identifies a program on the machine (implemented over the process runner). */
public interface ToolProbe {

    /** The first line of {@code program --version}, or empty when the program is not on PATH. */
    Optional<String> version(String program);
}
