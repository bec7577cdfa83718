package io.ratewarden.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ratewarden.testing.RedisServer;
import io.ratewarden.testing.RedisServerProcess;
import io.ratewarden.testing.TestRedis;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The packaged example, run as a user would run it ({@code java -jar}), driven over HTTP and watched
 * through a remote JMX connection as jconsole would: in memory, then on a real Redis through a
 * kill and a restart.
 */
@Tag("redis")
@Tag("smoke")
class ExampleProcessIT {

    private static final ObjectName INSTANCE = name("io.ratewarden:type=Ratewarden,name=\"ratewarden-example\"");
    private static final ObjectName QUOTES =
            name("io.ratewarden:type=Limit,instance=\"ratewarden-example\",name=\"quotes\"");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** The example in a child JVM, with its HTTP and JMX ports. */
    private static final class Example implements AutoCloseable {
        final Process process;
        final int httpPort;
        final int jmxPort;
        final Path log;
        JMXConnector jmx;

        Example(Map<String, String> env) throws IOException {
            httpPort = RedisServerProcess.freePort();
            jmxPort = RedisServerProcess.freePort();
            log = Files.createTempFile("ratewarden-example", ".log");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder builder = new ProcessBuilder(java,
                    "-Dcom.sun.management.jmxremote.port=" + jmxPort,
                    "-Dcom.sun.management.jmxremote.rmi.port=" + jmxPort,
                    "-Dcom.sun.management.jmxremote.host=127.0.0.1",
                    "-Djava.rmi.server.hostname=127.0.0.1",
                    "-Dcom.sun.management.jmxremote.authenticate=false",
                    "-Dcom.sun.management.jmxremote.ssl=false",
                    "-jar", System.getProperty("ratewarden.test.exampleJar"))
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().keySet().removeIf(key -> key.contains("REDIS") || key.startsWith("RATEWARDEN_"));
            builder.environment().put("PORT", Integer.toString(httpPort));
            builder.environment().putAll(env);
            process = builder.start();
        }

        MBeanServerConnection jmx() throws IOException {
            if (jmx == null) {
                JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi");
                jmx = JMXConnectorFactory.connect(url);
            }
            return jmx.getMBeanServerConnection();
        }

        String output() throws IOException {
            return Files.readString(log);
        }

        @Override
        public void close() throws IOException {
            if (jmx != null) {
                jmx.close();
            }
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            Files.deleteIfExists(log);
        }
    }

    @Test
    void inMemoryWithoutRedis() throws Exception {
        try (Example example = new Example(Map.of())) {
            awaitUp(example);
            assertThat(example.output()).contains("backend IN_MEMORY");
            assertQuotesLimitedToFive(example, "alice");
            HttpResponse<String> health = get(example, "/health/ratelimit");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"backend\":\"IN_MEMORY\"", "\"healthy\":true");

            MBeanServerConnection jmx = example.jmx();
            assertThat(jmx.getAttribute(INSTANCE, "Backend")).isEqualTo("IN_MEMORY");
            assertThat(jmx.getAttribute(INSTANCE, "Healthy")).isEqualTo(true);
            assertThat(jmx.getAttribute(QUOTES, "Permitted")).isEqualTo(5L);
            assertThat(jmx.getAttribute(QUOTES, "Rejected")).isEqualTo(1L);
            assertThat(jmx.getAttribute(QUOTES, "Permits")).isEqualTo(5L);
            assertThat(jmx.getAttribute(QUOTES, "WindowMillis")).isEqualTo(10_000L);
        }
    }

    @Test
    void onRedisThroughAKillAndARestart() throws Exception {
        try (RedisServer redis = TestRedis.server();
             // A Redis timeout that a loaded machine meets: a reply later than it is rejected, by
             // design, and the calls here are about the limit and the outage.
             Example example = new Example(Map.of("REDIS_URL", redis.url(), "RATEWARDEN_PROBE_INTERVAL", "250ms",
                     "RATEWARDEN_REDIS_TIMEOUT", "1s"))) {
            awaitUp(example);
            MBeanServerConnection jmx = example.jmx();
            await().atMost(Duration.ofSeconds(20)).until(() -> "REDIS".equals(jmx.getAttribute(INSTANCE, "Backend")));
            assertThat(jmx.getAttribute(INSTANCE, "RedisUrl")).isEqualTo(redis.url());
            assertQuotesLimitedToFive(example, "bob");
            assertThat(get(example, "/health/ratelimit").body()).contains("\"backend\":\"REDIS\"");

            redis.kill();
            await().atMost(Duration.ofSeconds(30)).until(() -> get(example, "/health/ratelimit").statusCode() == 503);
            assertThat(get(example, "/health/ratelimit").body()).contains("\"backend\":\"IN_MEMORY\"",
                    "\"healthy\":false", "\"failovers\":1");
            assertThat(jmx.getAttribute(INSTANCE, "Backend")).isEqualTo("IN_MEMORY");
            assertThat(jmx.getAttribute(INSTANCE, "Healthy")).isEqualTo(false);
            assertThat(get(example, "/quote?user=carol").statusCode()).as("still serving").isEqualTo(200);
            assertThat((Long) jmx.getAttribute(INSTANCE, "FallbackDecisions")).isPositive();

            redis.restart();
            await().atMost(Duration.ofSeconds(30)).until(() -> get(example, "/health/ratelimit").statusCode() == 200);
            assertThat(jmx.getAttribute(INSTANCE, "Backend")).isEqualTo("REDIS");
            assertThat(jmx.getAttribute(INSTANCE, "Recoveries")).isEqualTo(1L);
            assertThat(get(example, "/quote?user=dave").statusCode()).isEqualTo(200);
        }
    }

    private void assertQuotesLimitedToFive(Example example, String user) throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(get(example, "/quote?user=" + user).statusCode()).isEqualTo(200);
        }
        HttpResponse<String> limited = get(example, "/quote?user=" + user);
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).hasValueSatisfying(
                seconds -> assertThat(Long.parseLong(seconds)).isBetween(1L, 11L));
    }

    private void awaitUp(Example example) {
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            assertThat(example.process.isAlive()).as("example process alive; output: %s", example.output()).isTrue();
            return get(example, "/health/ratelimit").statusCode() > 0;
        });
    }

    private HttpResponse<String> get(Example example, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + example.httpPort + path))
                .timeout(Duration.ofSeconds(5)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static ObjectName name(String text) {
        try {
            return new ObjectName(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(text, e);
        }
    }
}
