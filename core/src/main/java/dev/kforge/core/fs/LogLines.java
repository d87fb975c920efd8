package dev.kforge.core.fs;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads logs line by line in bounded memory: a line longer than the limit is cut (the rest of it
 * skipped, never held), bytes that are not UTF-8 become U+FFFD. A log of any size, or a single
 * line of any length, costs at most one line of memory.
 */
public final class LogLines implements Closeable {

    /** Lines are cut here: far beyond any compiler message worth showing. */
    public static final int MAX_LINE = 4000;

    private final Reader in;
    private final int max;

    public LogLines(Reader in, int max) {
        this.in = in instanceof BufferedReader ? in : new BufferedReader(in);
        this.max = max;
    }

    public static LogLines open(Path file) throws IOException {
        var decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        return new LogLines(
                new BufferedReader(new InputStreamReader(Files.newInputStream(file), decoder), 1 << 16), MAX_LINE);
    }

    /** The next line without its terminator, cut at the limit; null at the end. */
    public String readLine() throws IOException {
        StringBuilder sb = new StringBuilder();
        boolean any = false;
        int c;
        while ((c = in.read()) != -1) {
            any = true;
            if (c == '\n') {
                break;
            }
            if (sb.length() < max) {
                sb.append((char) c);
            }
        }
        if (!any) {
            return null;
        }
        int n = sb.length();
        if (n > 0 && sb.charAt(n - 1) == '\r') {
            sb.setLength(n - 1);
        }
        return sb.toString();
    }

    /** Calls {@code action} for every line of {@code file}. */
    public static void forEach(Path file, Consumer<String> action) throws IOException {
        try (LogLines lines = open(file)) {
            String line;
            while ((line = lines.readLine()) != null) {
                action.accept(line);
            }
        }
    }

    /** The last {@code n} lines of {@code file}. */
    public static List<String> last(Path file, int n) throws IOException {
        Deque<String> tail = new ArrayDeque<>();
        forEach(file, l -> {
            tail.addLast(l);
            if (tail.size() > n) {
                tail.removeFirst();
            }
        });
        return List.copyOf(tail);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
