package io.ratewarden.benchmarks;

import io.ratewarden.Backend;
import io.ratewarden.Ratewarden;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A {@code redis-server} the benchmark starts on a free loopback port and kills, pauses and
 * resumes by the pid it started. Never touches any other Redis.
 */
final class LocalRedis implements AutoCloseable {

    private final int port;
    private final Path directory;
    private Process process;

    private LocalRedis(int port) throws IOException {
        this.port = port;
        this.directory = Files.createTempDirectory("ratewarden-bench-redis-");
    }

    /**
     * Waits, at most 30 s, until {@code rw} decides on Redis (its first connection takes a moment),
     * so that a measurement starts on a warm client.
     *
     * @return {@code rw}
     */
    static Ratewarden awaitOnRedis(Ratewarden rw) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (rw.storeInfo().backend() != Backend.REDIS && System.nanoTime() < deadline) {
            Thread.sleep(10); // polling the instance's own report, bounded
        }
        return rw;
    }

    static LocalRedis start() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        LocalRedis redis = new LocalRedis(port);
        redis.launch();
        return redis;
    }

    private void launch() throws IOException {
        process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", directory.toString(),
                "--logfile", directory.resolve("redis.log").toString())
                .redirectErrorStream(true).redirectOutput(directory.resolve("stdout.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (ping()) {
                return;
            }
            LockSupport.parkNanos(20_000_000);
        }
        throw new IOException("redis-server on port " + port + " did not start; see " + directory);
    }

    private boolean ping() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = new byte[7];
            return in.read(reply) > 0 && new String(reply, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    String url() {
        return "redis://127.0.0.1:" + port;
    }

    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    void restart() throws IOException {
        launch();
    }

    void pause() throws IOException, InterruptedException {
        signal("-STOP");
    }

    void resume() throws IOException, InterruptedException {
        signal("-CONT");
    }

    private void signal(String signal) throws IOException, InterruptedException {
        new ProcessBuilder("kill", signal, Long.toString(process.pid())).start().waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            signal("-CONT");
            kill();
        }
    }
}
