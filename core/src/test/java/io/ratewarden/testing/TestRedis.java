package io.ratewarden.testing;

import java.io.IOException;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * Where Redis tests get their Redis, in this order: the URL in {@code RATEWARDEN_TEST_REDIS_URL};
 * else a Testcontainers container when a Docker engine answers; else a {@code redis-server}
 * process started on a free loopback port. Fault tests, which kill and pause the server, always
 * use a process of their own ({@link #controllable(String...)}).
 *
 * <p>When no Redis can be had, the test fails with a message saying why when {@code CI} is set, and
 * is reported as aborted (never silently skipped) otherwise.
 */
public final class TestRedis {

    private static final String URL_VARIABLE = "RATEWARDEN_TEST_REDIS_URL";

    private TestRedis() {
    }

    /** A Redis to run against, and how to release it. */
    public interface Endpoint extends AutoCloseable {
        /** Returns the URL to connect to. */
        String url();

        @Override
        void close() throws IOException;
    }

    /**
     * Returns a Redis for tests that only need one running.
     *
     * @return the endpoint
     */
    public static Endpoint any() throws IOException {
        String external = System.getenv(URL_VARIABLE);
        if (external != null && !external.isBlank()) {
            return new Endpoint() {
                @Override
                public String url() {
                    return external;
                }

                @Override
                public void close() {
                }
            };
        }
        if (dockerAvailable()) {
            GenericContainer<?> container = new GenericContainer<>("redis:7-alpine").withExposedPorts(6379);
            container.start();
            return new Endpoint() {
                @Override
                public String url() {
                    return "redis://" + container.getHost() + ":" + container.getMappedPort(6379);
                }

                @Override
                public void close() {
                    container.stop();
                }
            };
        }
        RedisServerProcess process = controllable();
        return new Endpoint() {
            @Override
            public String url() {
                return process.url();
            }

            @Override
            public void close() throws IOException {
                process.close();
            }
        };
    }

    /**
     * Starts a {@code redis-server} process this test controls.
     *
     * @param extraArgs more server arguments
     * @return the process
     */
    public static RedisServerProcess controllable(String... extraArgs) throws IOException {
        requireRedisServer();
        return RedisServerProcess.start(extraArgs);
    }

    /**
     * Starts a {@code redis-server} process this test controls on a given port.
     *
     * @param port a free loopback port
     * @param extraArgs more server arguments
     * @return the process
     */
    public static RedisServerProcess controllableOn(int port, String... extraArgs) throws IOException {
        requireRedisServer();
        return RedisServerProcess.startOn(port, extraArgs);
    }

    private static void requireRedisServer() {
        if (!RedisServerProcess.available()) {
            unavailable("no redis-server binary on the PATH (install Debian's redis-server package); fault tests"
                    + " kill, pause and restart a server process of their own");
        }
    }

    private static volatile Boolean docker;

    private static boolean dockerAvailable() {
        Boolean known = docker;
        if (known == null) {
            boolean answer;
            try {
                answer = DockerClientFactory.instance().isDockerAvailable();
            } catch (RuntimeException | LinkageError e) {
                answer = false;
            }
            docker = known = answer;
        }
        return known;
    }

    private static void unavailable(String why) {
        String message = "No Redis for this test: " + why + ". Set " + URL_VARIABLE
                + " to use an existing Redis for the tests that do not control the server.";
        if (System.getenv("CI") != null) {
            Assertions.fail(message);
        }
        Assumptions.abort(message);
    }
}
