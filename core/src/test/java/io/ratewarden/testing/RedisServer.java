package io.ratewarden.testing;

import java.io.IOException;

/**
 * A Redis server a test owns and can fault: a {@code redis-server} process of this JVM
 * ({@link RedisServerProcess}) or a container ({@link RedisContainer}). Kill and pause mean the
 * same for both (SIGKILL and SIGSTOP of the process; the container's kill and its cgroup freezer),
 * and a restart comes back empty on the same loopback port.
 */
public interface RedisServer extends AutoCloseable {

    /** Returns the loopback port clients connect to. */
    int port();

    /** Returns {@code redis://127.0.0.1:<port>}. */
    default String url() {
        return "redis://127.0.0.1:" + port();
    }

    /** Kills the server at once and waits until it is gone. */
    void kill() throws IOException, InterruptedException;

    /** Freezes the server: connections stay open, nothing answers. */
    void pause() throws IOException, InterruptedException;

    /** Thaws a paused server. */
    void resume() throws IOException, InterruptedException;

    /** Starts a new, empty server on the same port, after {@link #kill()}. */
    void restart() throws IOException;

    /**
     * Sends one command to this server.
     *
     * @return the reply as text
     */
    default String call(String... command) throws IOException {
        return Resp.call("127.0.0.1", port(), null, command);
    }

    /** Stops the server and releases what it holds. */
    @Override
    void close() throws IOException;
}
