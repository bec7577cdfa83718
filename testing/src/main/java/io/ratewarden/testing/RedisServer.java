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

    /**
     * One field of one command's line in {@code INFO commandstats}: {@code calls},
     * {@code failed_calls} (error replies) or {@code rejected_calls} (refused before running, an
     * ACL's denial among them).
     *
     * @param command the command as Redis names it, such as {@code evalsha} or {@code script|load}
     * @param field the field
     * @return the count, 0 before the first such command
     */
    default long commandStat(String command, String field) throws IOException {
        String prefix = "cmdstat_" + command + ":";
        return call("INFO", "commandstats").lines().filter(line -> line.startsWith(prefix))
                .flatMap(line -> java.util.Arrays.stream(line.substring(prefix.length()).split(",")))
                .filter(pair -> pair.startsWith(field + "="))
                .mapToLong(pair -> Long.parseLong(pair.substring(field.length() + 1))).sum();
    }

    /** Stops the server and releases what it holds. */
    @Override
    void close() throws IOException;
}
