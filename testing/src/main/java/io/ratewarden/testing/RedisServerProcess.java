package io.ratewarden.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code redis-server} process this test JVM started on a free loopback port, and can kill
 * ({@code SIGKILL}), pause ({@code SIGSTOP}), resume and restart on the same port. Only ever
 * signals the pid it started. Never touches any other Redis. Dies with the test JVM, however that
 * ends ({@link ProcessReaper}).
 */
public final class RedisServerProcess implements RedisServer {

    private final int port;
    private final List<String> extraArgs;
    private final Path directory;
    private Path configFile;
    private Process process;

    private RedisServerProcess(int port, List<String> extraArgs) throws IOException {
        this.port = port;
        this.extraArgs = List.copyOf(extraArgs);
        this.directory = Files.createTempDirectory("ratewarden-redis-" + port + "-");
    }

    /**
     * Starts a Sentinel on a free loopback port that monitors {@code masterName} at
     * {@code 127.0.0.1:masterPort} with a quorum of 2, declaring it down after one second.
     *
     * @param masterPort the master's port
     * @param masterName the name clients ask for
     * @return the running sentinel
     */
    public static RedisServerProcess startSentinel(int masterPort, String masterName) throws IOException {
        RedisServerProcess sentinel = new RedisServerProcess(freePort(), List.of("--sentinel"));
        sentinel.configFile = sentinel.directory.resolve("sentinel.conf");
        Files.writeString(sentinel.configFile, String.join("\n",
                "sentinel monitor " + masterName + " 127.0.0.1 " + masterPort + " 2",
                "sentinel down-after-milliseconds " + masterName + " 1000",
                "sentinel failover-timeout " + masterName + " 5000",
                "sentinel parallel-syncs " + masterName + " 1", ""));
        sentinel.launch();
        return sentinel;
    }

    /**
     * Starts {@code redis-server} on a free loopback port.
     *
     * @param extraArgs more {@code --option value} arguments, e.g. {@code --requirepass}
     * @return the running server
     */
    public static RedisServerProcess start(String... extraArgs) throws IOException {
        return startOn(freePort(), extraArgs);
    }

    /**
     * Starts {@code redis-server} on a given loopback port.
     *
     * @param port the port, free
     * @param extraArgs more server arguments
     * @return the running server
     */
    public static RedisServerProcess startOn(int port, String... extraArgs) throws IOException {
        RedisServerProcess server = new RedisServerProcess(port, List.of(extraArgs));
        server.launch();
        return server;
    }

    /**
     * Returns a free loopback port with nothing listening on it (nothing is started).
     *
     * @return the port
     */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /**
     * Whether a {@code redis-server} binary is on the {@code PATH}.
     *
     * @return whether it can be started
     */
    public static boolean available() {
        try {
            Process probe = new ProcessBuilder("redis-server", "--version").redirectErrorStream(true).start();
            probe.getInputStream().readAllBytes();
            return probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void launch() throws IOException {
        List<String> command = new ArrayList<>(List.of("redis-server"));
        if (configFile != null) {
            command.add(configFile.toString());
        }
        command.addAll(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--protected-mode", "no",
                "--dir", directory.toString(), "--logfile", directory.resolve("redis.log").toString()));
        if (configFile == null) {
            command.addAll(List.of("--save", "", "--appendonly", "no"));
        }
        command.addAll(extraArgs);
        process = ProcessReaper.watch(new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(directory.resolve("stdout.log").toFile()).start());
        awaitReady(Duration.ofSeconds(10));
    }

    private void awaitReady(Duration limit) throws IOException {
        long deadline = System.nanoTime() + limit.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server on port " + port + " exited with " + process.exitValue()
                        + "; see " + directory);
            }
            try {
                String reply = Resp.call("127.0.0.1", port, null, "PING");
                if (reply.equals("PONG") || reply.startsWith("-NOAUTH")) {
                    return;
                }
            } catch (IOException e) {
                last = e;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        throw new IOException("redis-server on port " + port + " not ready within " + limit, last);
    }

    /** Returns the loopback port. */
    @Override
    public int port() {
        return port;
    }

    /** Returns {@code redis://127.0.0.1:<port>}. */
    @Override
    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** Returns the process id of the running server. */
    public long pid() {
        return process.pid();
    }

    /** Kills the server with {@code SIGKILL} and waits until it is gone. */
    @Override
    public void kill() throws InterruptedException {
        ProcessReaper.release(process);
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Freezes the server with {@code SIGSTOP}: connections stay open, nothing answers. */
    @Override
    public void pause() throws IOException, InterruptedException {
        signal("-STOP");
    }

    /** Thaws a paused server with {@code SIGCONT}. */
    @Override
    public void resume() throws IOException, InterruptedException {
        signal("-CONT");
    }

    /** Starts a new, empty server on the same port (after {@link #kill()}). */
    @Override
    public void restart() throws IOException {
        launch();
    }

    /**
     * Sends one command to this server.
     *
     * @return the reply as text
     */
    @Override
    public String call(String... command) throws IOException {
        return Resp.call("127.0.0.1", port, null, command);
    }

    private void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid())).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill " + signal + " " + process.pid() + " failed");
        }
    }

    /** Kills the server (resuming it first if paused) and deletes its directory. */
    @Override
    public void close() throws IOException {
        if (process != null && process.isAlive()) {
            try {
                signal("-CONT");
                kill();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        try (var files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
