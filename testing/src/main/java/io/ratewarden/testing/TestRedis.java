package io.ratewarden.testing;

import java.io.IOException;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;

/**
 * Where Redis tests get their Redis, in this order:
 * <ol>
 *   <li>the URL in {@code RATEWARDEN_TEST_REDIS_URL}, for the tests that do not fault the server
 *       ({@link #any()});</li>
 *   <li>a Testcontainers container of the pinned local image {@value #DEFAULT_IMAGE} (or
 *       {@code RATEWARDEN_TEST_REDIS_IMAGE}), when a Docker engine answers and holds that image:
 *       it is never pulled ({@code .ci/redis-image.sh} builds it from the local
 *       {@code redis-server});</li>
 *   <li>a {@code redis-server} process started on a free loopback port.</li>
 * </ol>
 * {@code RATEWARDEN_TEST_REDIS=testcontainers} makes a missing engine or image fail the tests
 * instead of falling back (CI sets it once it has started an engine), and
 * {@code RATEWARDEN_TEST_REDIS=process} skips containers. The choice and its reason are printed
 * once per JVM. {@link #server(String...)} gives a server the test can kill, pause and restart,
 * in a container or a process alike; {@link #controllable(String...)} always a process (for
 * Cluster, Sentinel and TLS set-ups).
 *
 * <p>When no Redis can be had, the test fails with a message saying why when {@code CI} is set, and
 * is reported as aborted (never silently skipped) otherwise.
 */
public final class TestRedis {

    private static final String URL_VARIABLE = "RATEWARDEN_TEST_REDIS_URL";

    /** The image the container tests pin, unless {@code RATEWARDEN_TEST_REDIS_IMAGE} names another. */
    public static final String DEFAULT_IMAGE = "ratewarden-test/redis:7";

    /** Where this JVM's Redis tests get their servers, and why. */
    private record Choice(boolean containers, String image, String why) {
    }

    private static volatile Choice choice;

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
        RedisServer process = server();
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
     * Starts a Redis server this test owns and may kill, pause and restart: a container when
     * containers are chosen (see the class comment), else a {@code redis-server} process.
     *
     * @param extraArgs more server arguments
     * @return the running server
     */
    public static RedisServer server(String... extraArgs) throws IOException {
        Choice current = choice();
        if (current.containers()) {
            return RedisContainer.start(current.image(), extraArgs);
        }
        return controllable(extraArgs);
    }

    private static Choice choice() {
        Choice known = choice;
        if (known != null) {
            return known;
        }
        synchronized (TestRedis.class) {
            if (choice == null) {
                choice = decide();
                System.out.println("Redis for the tests: " + choice.why());
            }
            return choice;
        }
    }

    private static Choice decide() {
        String mode = String.valueOf(System.getenv("RATEWARDEN_TEST_REDIS")).trim().toLowerCase(java.util.Locale.ROOT);
        String image = System.getenv("RATEWARDEN_TEST_REDIS_IMAGE");
        image = image == null || image.isBlank() ? DEFAULT_IMAGE : image.trim();
        if (mode.equals("process")) {
            return new Choice(false, image, "redis-server processes (RATEWARDEN_TEST_REDIS=process)");
        }
        String unusable = null;
        boolean ryukDisabled = ryukDisabled();
        if (!ryukDisabled) {
            // Checked before the engine is asked anything: Testcontainers' first contact starts ryuk,
            // whose image would be pulled.
            unusable = "Testcontainers would pull its ryuk image (set TESTCONTAINERS_RYUK_DISABLED=true; the"
                    + " tests stop the containers they start)";
        } else if (!dockerAvailable()) {
            unusable = "no Docker engine answered";
        } else if (!RedisContainer.imagePresent(image)) {
            unusable = "the engine has no image " + image + " (.ci/redis-image.sh builds it; it is never pulled)";
        }
        if (unusable == null) {
            return new Choice(true, image, "Testcontainers, image " + image + " (present on the engine)");
        }
        if (mode.equals("testcontainers")) {
            throw new IllegalStateException("RATEWARDEN_TEST_REDIS=testcontainers, but " + unusable);
        }
        return new Choice(false, image, "redis-server processes; Testcontainers not used: " + unusable);
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

    /**
     * Whether Testcontainers will not start ryuk, as it decides: from the environment variable or
     * the user's {@code ~/.testcontainers.properties} (a classpath file is not read for this).
     */
    private static boolean ryukDisabled() {
        if (Boolean.parseBoolean(System.getenv("TESTCONTAINERS_RYUK_DISABLED"))) {
            return true;
        }
        java.nio.file.Path user = java.nio.file.Path.of(System.getProperty("user.home"), ".testcontainers.properties");
        java.util.Properties properties = new java.util.Properties();
        try (var in = java.nio.file.Files.newInputStream(user)) {
            properties.load(in);
        } catch (IOException e) {
            return false;
        }
        return Boolean.parseBoolean(properties.getProperty("ryuk.disabled"));
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
