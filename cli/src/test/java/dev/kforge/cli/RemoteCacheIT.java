package dev.kforge.cli;

import static dev.kforge.cli.ItSupport.cells;
import static dev.kforge.cli.ItSupport.kforge;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import dev.kforge.core.cache.LoopbackCacheServer;
import dev.kforge.core.digest.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The remote step cache against a real HTTP server on loopback: nginx with WebDAV PUT. */
class RemoteCacheIT {

    @TempDir
    Path dir;

    Process nginx;
    Path serverRoot;
    int port;

    @BeforeEach
    void startNginx() throws Exception {
        startNginx("");
    }

    /** @param guard nginx directives checked before every request (such as a required Authorization header) */
    void startNginx(String guard) throws Exception {
        Path prefix = Files.createDirectories(dir.resolve("nginx"));
        serverRoot = Files.createDirectories(prefix.resolve("root"));
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String conf = """
                daemon off;
                worker_processes 1;
                user root;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log;
                events { worker_connections 64; }
                http {
                    access_log %1$s/access.log;
                    client_body_temp_path %1$s/body;
                    proxy_temp_path %1$s/proxy;
                    fastcgi_temp_path %1$s/fastcgi;
                    uwsgi_temp_path %1$s/uwsgi;
                    scgi_temp_path %1$s/scgi;
                    client_max_body_size 1g;
                    server {
                        listen 127.0.0.1:%2$d;
                        root %1$s/root;
                        location / {
                            %3$s
                            dav_methods PUT;
                            create_full_put_path on;
                            dav_access user:rw group:r all:r;
                        }
                    }
                }
                """.formatted(prefix, port, guard);
        Files.writeString(prefix.resolve("nginx.conf"), conf);
        nginx = new ProcessBuilder(
                        "nginx",
                        "-p",
                        prefix.toString(),
                        "-c",
                        prefix.resolve("nginx.conf").toString())
                .redirectErrorStream(true)
                .redirectOutput(prefix.resolve("stdout.log").toFile())
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException e) {
                TimeUnit.MILLISECONDS.sleep(50);
            }
        }
        throw new AssertionError("nginx did not start: " + Files.readString(prefix.resolve("error.log")));
    }

    @AfterEach
    void stopNginx() throws Exception {
        if (nginx != null && nginx.isAlive()) {
            nginx.destroy();
            nginx.waitFor(10, TimeUnit.SECONDS);
        }
    }

    String url() {
        return "http://127.0.0.1:" + port + "/kforge";
    }

    /** kf_core and kf_user against Debian's headers: real Kbuild, no tree to prepare. */
    Path workspace(String name) {
        Path ws = dir.resolve(name);
        Path ex = ItSupport.repo().resolve("examples/drivers");
        new TestWorkspace(ws).manifest("""
                [[kernel]]
                name = "debian"
                headers = "/usr/src/linux-headers-*-amd64"
                [[driver]]
                name = "kf_core"
                path = "drivers/kf_core"
                [driver.make]
                VERSION = "1.2"
                [[driver]]
                name = "kf_user"
                path = "drivers/kf_user"
                depends = ["kf_core"]
                [[driver]]
                name = "other"
                path = "drivers/other"
                [[matrix]]
                arches = ["x86_64"]
                """);
        try {
            for (String d : List.of("kf_core", "kf_user")) {
                Files.createDirectories(ws.resolve("drivers/" + d));
                for (String f : List.of("Kbuild", d + ".c")) {
                    Files.copy(
                            ex.resolve(d).resolve(f), ws.resolve("drivers/" + d).resolve(f));
                }
            }
            Files.copy(ex.resolve("kf_core/kf_core.h"), ws.resolve("drivers/kf_core/kf_core.h"));
            // A driver unique to this test run, so the server and local caches start without it.
            new TestWorkspace(ws)
                    .write("drivers/other/Kbuild", "obj-m += other.o\n")
                    .write(
                            "drivers/other/other.c",
                            "#include <linux/module.h>\nMODULE_LICENSE(\"GPL\");\n/* " + dir + " */\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ws;
    }

    ItSupport.Run build(Path ws, String cacheName, String... extra) {
        List<String> args = new ArrayList<>(
                List.of("build", "--cache-dir", dir.resolve(cacheName).toString()));
        args.addAll(List.of(extra));
        return kforge(ws, args.toArray(String[]::new));
    }

    /** A make that builds (probes such as make --version do not count). */
    static boolean make(List<String> argv) {
        return argv.get(0).equals("make") && !argv.contains("--version");
    }

    long entries(String kind) throws IOException {
        Path p = serverRoot.resolve("kforge").resolve(kind);
        if (!Files.isDirectory(p)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(p)) {
            return s.count();
        }
    }

    @Test
    void aFreshWorkspaceDownloadsEveryCellAndRunsNoMake() throws Exception {
        Path a = workspace("a");
        ItSupport.Run first = build(a, "cache-a", "--remote-cache", url());
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(entries("ac")).isEqualTo(3);
        assertThat(entries("cas")).isGreaterThanOrEqualTo(6);

        Path b = workspace("b/deeper");
        Files.writeString(b.resolve("drivers/other/other.c"), Files.readString(a.resolve("drivers/other/other.c")));
        ItSupport.Run second = build(b, "cache-b", "--remote-cache", url());
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(second.commands()).noneMatch(RemoteCacheIT::make);
        assertThat(second.out()).contains("3 cells: 0 built, 3 cached");
        assertThat(Files.readAllLines(b.resolve("out/SHA256SUMS")))
                .isEqualTo(Files.readAllLines(a.resolve("out/SHA256SUMS")));

        // A tampered blob on the server is detected, never used, and the cell is rebuilt.
        try (Stream<Path> s = Files.walk(serverRoot.resolve("kforge/cas"))) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                if (Files.size(p) > 1000
                        && Files.readString(p, StandardCharsets.ISO_8859_1).startsWith("\u007fELF")) {
                    Files.write(p, new byte[] {0x7f, 'E', 'L', 'F', 0, 0, 0});
                }
            }
        }
        Path c = workspace("c");
        Files.writeString(c.resolve("drivers/other/other.c"), Files.readString(a.resolve("drivers/other/other.c")));
        ItSupport.Run third = build(c, "cache-c", "--remote-cache", url());
        assertThat(third.code()).as(third.err()).isZero();
        assertThat(third.commands()).anyMatch(RemoteCacheIT::make);
        assertThat(Files.readAllLines(c.resolve("out/SHA256SUMS")))
                .isEqualTo(Files.readAllLines(a.resolve("out/SHA256SUMS")));
        // ... and repaired on the server: the rebuild uploaded the good blob over the tampered one.
        try (Stream<Path> s = Files.walk(serverRoot.resolve("kforge/cas"))) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                assertThat(Digest.ofFile(p).hex())
                        .as(p.toString())
                        .isEqualTo(p.getFileName().toString());
            }
        }
    }

    /**
     * Credentials through the real launcher against a server that demands them: the build uploads
     * (so the header was sent), and the secret appears in no output and no file kforge wrote.
     */
    @Test
    void credentialsReachTheServerAndNothingElse() throws Exception {
        String secret = "kforge-test-secret-" + System.nanoTime();
        stopNginx();
        startNginx("if ($http_authorization != \"Bearer " + secret + "\") { return 401; }");
        Path ws = workspace("secret");
        Path cache = dir.resolve("cache-secret");
        List<String> written = new ArrayList<>();
        for (String command : List.of("build", "plan")) {
            List<String> argv = command.equals("build")
                    ? List.of(ItSupport.launcher().toString(), command, "--remote-cache", url())
                    : List.of(ItSupport.launcher().toString(), command);
            ProcessBuilder pb = new ProcessBuilder(argv).directory(ws.toFile());
            pb.environment().put("KFORGE_CACHE_DIR", cache.toString());
            pb.environment().put("KFORGE_REMOTE_CACHE_HEADER", "Authorization: Bearer " + secret);
            pb.environment().put("AWS_SECRET_ACCESS_KEY", secret);
            pb.redirectOutput(dir.resolve(command + ".out").toFile())
                    .redirectError(dir.resolve(command + ".err").toFile());
            Process p = pb.start();
            assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
            assertThat(p.exitValue())
                    .as(Files.readString(dir.resolve(command + ".err")))
                    .isZero();
            written.add(
                    Files.readString(dir.resolve(command + ".out")) + Files.readString(dir.resolve(command + ".err")));
        }
        assertThat(entries("ac")).isEqualTo(3);
        assertThat(String.join("\n", written)).doesNotContain(secret).doesNotContain("Bearer");
        for (Path root : List.of(ws, cache)) {
            try (Stream<Path> s = Files.walk(root)) {
                for (Path f : s.filter(Files::isRegularFile).toList()) {
                    assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1))
                            .as(f.toString())
                            .doesNotContain(secret);
                }
            }
        }
        // The same build without the header is refused by the server: a warning, and the build carries on.
        ItSupport.Run refused = build(workspace("nosecret"), "cache-nosecret", "--remote-cache", url());
        assertThat(refused.code()).as(refused.err()).isZero();
        assertThat(refused.out()).contains("3 cells: 3 built, 0 cached");
        assertThat(entries("ac")).isEqualTo(3);
    }

    /**
     * A server whose bodies stall or are cut short: each run warns once and builds locally, exit 0,
     * within the remote timeout; a query in the URL still hits. Against a real HTTP server on loopback.
     */
    @Test
    void remoteBodyFaultsAreOneWarningAndALocalBuild() throws Exception {
        try (LoopbackCacheServer faulty = new LoopbackCacheServer()) {
            String url = faulty.base() + "?token=abc";
            Path a = workspace("faults-fill");
            ItSupport.Run fill = build(a, "cache-faults-a", "--remote-cache", url);
            assertThat(fill.code()).as(fill.err()).isZero();
            assertThat(faulty.requests()).anyMatch(r -> r.startsWith("PUT /kforge/ac/") && r.endsWith("?token=abc"));

            Path hit = workspace("faults-hit");
            Files.writeString(
                    hit.resolve("drivers/other/other.c"), Files.readString(a.resolve("drivers/other/other.c")));
            ItSupport.Run served = build(hit, "cache-faults-b", "--remote-cache", url);
            assertThat(served.code()).as(served.err()).isZero();
            assertThat(served.out()).contains("3 cells: 0 built, 3 cached");

            for (LoopbackCacheServer.Fault f :
                    List.of(LoopbackCacheServer.Fault.STALL_BODY, LoopbackCacheServer.Fault.TRUNCATE_BODY)) {
                faulty.fault(f);
                Path ws = workspace("faults-" + f);
                Files.writeString(
                        ws.resolve("drivers/other/other.c"), Files.readString(a.resolve("drivers/other/other.c")));
                long start = System.nanoTime();
                // The real launcher: its stderr carries the warning.
                ItSupport.Run run = ReliabilityIT.launched(
                        ws,
                        Map.of("KFORGE_CACHE_DIR", ItSupport.itCache().toString()),
                        "build",
                        "--cache-dir",
                        dir.resolve("cache-faults-" + f).toString(),
                        "--remote-cache",
                        url,
                        "--remote-cache-timeout",
                        "3");
                assertThat(run.code()).as(f + ": " + run.err()).isZero();
                assertThat(run.out()).as(f.toString()).contains("3 cells: 3 built, 0 cached, 0 failed");
                assertThat(run.err()).as(f.toString()).containsOnlyOnce("carrying on with the local cache only");
                assertThat(System.nanoTime() - start).as(f.toString()).isLessThan(TimeUnit.SECONDS.toNanos(120));
            }
        }
    }

    @Test
    void readOnlyUploadsNothingAndADeadServerIsOnlyAWarning() throws Exception {
        Path a = workspace("ro");
        ItSupport.Run ro = build(a, "cache-ro", "--remote-cache", url(), "--remote-cache-mode", "read-only");
        assertThat(ro.code()).as(ro.err()).isZero();
        assertThat(entries("ac")).isZero();
        assertThat(entries("cas")).isZero();

        stopNginx();
        Path b = workspace("down");
        ItSupport.Run down = build(b, "cache-down", "--remote-cache", url());
        assertThat(down.code()).as(down.err()).isZero();
        assertThat(down.out()).contains("3 built");
        assertThat(cells(b.resolve("out")).get("kf_user/debian/x86_64-gcc")).containsEntry("status", "built");
    }

    @Test
    void twoShardsAtOnceThenGather() throws Exception {
        Path a = workspace("s1");
        Path b = workspace("s2");
        Files.writeString(b.resolve("drivers/other/other.c"), Files.readString(a.resolve("drivers/other/other.c")));
        String hash = kforge(a, "plan")
                .out()
                .replaceAll("(?s).*\"planHash\" : \"([0-9a-f]{64})\".*", "$1")
                .strip();
        CompletableFuture<ItSupport.Run> one = CompletableFuture.supplyAsync(
                () -> build(a, "cache-s1", "--remote-cache", url(), "--shard", "1/2", "--expect-plan-hash", hash));
        CompletableFuture<ItSupport.Run> two = CompletableFuture.supplyAsync(
                () -> build(b, "cache-s2", "--remote-cache", url(), "--shard", "2/2", "--expect-plan-hash", hash));
        assertThat(one.get().code()).as(one.get().err()).isZero();
        assertThat(two.get().code()).as(two.get().err()).isZero();

        Path g = workspace("gather");
        Files.writeString(g.resolve("drivers/other/other.c"), Files.readString(a.resolve("drivers/other/other.c")));
        ItSupport.Run gather = kforge(
                g,
                "gather",
                "--cache-dir",
                dir.resolve("cache-g").toString(),
                "--remote-cache",
                url(),
                "--junit",
                "junit.xml");
        assertThat(gather.code()).as(gather.err() + gather.out()).isZero();
        assertThat(gather.out()).contains("3 cells: 3 gathered, 0 missing");
        assertThat(gather.commands()).noneMatch(RemoteCacheIT::make);
        assertThat(Files.readAllLines(g.resolve("out/SHA256SUMS"))).hasSize(3);
        assertThat(g.resolve("out/provenance.json")).isRegularFile();

        ItSupport.Run wrong = build(a, "cache-s1", "--expect-plan-hash", "0".repeat(64));
        assertThat(wrong.code()).isEqualTo(2);
        assertThat(wrong.err()).contains("differs from the expected " + "0".repeat(64));
    }
}
