package dev.kforge.cli;

import dev.kforge.core.KforgeException;
import dev.kforge.core.cache.HttpStepCache;
import dev.kforge.core.model.Workspace;
import dev.kforge.core.service.RemoteCache;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/** {@code --remote-cache URL} and {@code --remote-cache-mode}; also KFORGE_REMOTE_CACHE and the manifest. */
final class RemoteCacheOptions {

    enum Mode {
        read_write,
        read_only
    }

    @Option(
            names = "--remote-cache",
            paramLabel = "URL",
            description =
                    "Share step results through a Bazel HTTP cache (also $KFORGE_REMOTE_CACHE, [workspace] remote-cache). "
                            + "Credentials: $KFORGE_REMOTE_CACHE_HEADER, e.g. 'Authorization: Bearer ...'.")
    String url;

    @Option(
            names = "--remote-cache-mode",
            paramLabel = "MODE",
            defaultValue = "read-write",
            converter = ModeConverter.class,
            description = "read-write (default) or read-only (never upload).")
    Mode mode;

    @Option(
            names = "--remote-cache-timeout",
            paramLabel = "SECONDS",
            description = "The most one remote cache request may take, first byte to last (default 30, also "
                    + "$KFORGE_REMOTE_CACHE_TIMEOUT); a slower one is a remote fault: a warning, and the step "
                    + "runs locally.")
    Integer timeoutSeconds;

    Optional<RemoteCache> resolve(Workspace ws, Map<String, String> env) {
        Optional<String> u = Optional.ofNullable(url)
                .or(() -> Optional.ofNullable(env.get("KFORGE_REMOTE_CACHE")).filter(s -> !s.isBlank()))
                .or(ws::remoteCache);
        if (u.isEmpty()) {
            if (mode == Mode.read_only) {
                throw KforgeException.userInput(
                        "--remote-cache-mode read-only needs a remote cache",
                        "add --remote-cache URL (or set KFORGE_REMOTE_CACHE, or remote-cache under [workspace])");
            }
            return Optional.empty();
        }
        URI uri;
        try {
            uri = URI.create(u.get());
        } catch (IllegalArgumentException e) {
            throw KforgeException.userInput("invalid remote cache URL", "use http://HOST:PORT/PATH");
        }
        if (uri.getScheme() == null || !uri.getScheme().matches("https?") || uri.getHost() == null) {
            throw KforgeException.userInput(
                    "remote cache URL must be http:// or https:// with a host, not " + HttpStepCache.redact(uri),
                    "e.g. --remote-cache http://127.0.0.1:9090/kforge");
        }
        Optional<String> header =
                Optional.ofNullable(env.get("KFORGE_REMOTE_CACHE_HEADER")).filter(s -> !s.isBlank());
        if (header.isPresent() && header.get().indexOf(':') <= 0) {
            throw KforgeException.userInput(
                    "KFORGE_REMOTE_CACHE_HEADER must look like 'Name: value'", "e.g. 'Authorization: Bearer TOKEN'");
        }
        if (uri.getRawUserInfo() != null && header.isPresent()) {
            throw KforgeException.userInput(
                    "the remote cache URL carries user:password@ and KFORGE_REMOTE_CACHE_HEADER is set too",
                    "give the credentials once: either in the URL (sent as HTTP Basic) or as the header");
        }
        return Optional.of(new RemoteCache(uri, mode == Mode.read_write, header, timeout(env)));
    }

    private Duration timeout(Map<String, String> env) {
        String env1 = env.get("KFORGE_REMOTE_CACHE_TIMEOUT");
        long seconds;
        if (timeoutSeconds != null) {
            seconds = timeoutSeconds;
        } else if (env1 != null && !env1.isBlank()) {
            try {
                seconds = Long.parseLong(env1.strip());
            } catch (NumberFormatException e) {
                seconds = -1;
            }
        } else {
            return HttpStepCache.DEFAULT_TIMEOUT;
        }
        if (seconds < 1 || seconds > 3600) {
            throw KforgeException.userInput(
                    "remote cache timeout must be 1 to 3600 seconds",
                    "e.g. --remote-cache-timeout 30 (or KFORGE_REMOTE_CACHE_TIMEOUT=30)");
        }
        return Duration.ofSeconds(seconds);
    }

    static final class ModeConverter implements picocli.CommandLine.ITypeConverter<Mode> {
        @Override
        public Mode convert(String value) {
            return switch (value) {
                case "read-write" -> Mode.read_write;
                case "read-only" -> Mode.read_only;
                default ->
                    throw new picocli.CommandLine.TypeConversionException(
                            "expected read-write or read-only, not '" + value + "'");
            };
        }
    }
}
