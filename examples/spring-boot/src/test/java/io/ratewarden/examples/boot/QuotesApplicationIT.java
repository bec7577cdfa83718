package io.ratewarden.examples.boot;

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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The packaged Spring Boot service, as a user runs it: its own JVM, configured on its command
 * line by {@code ratewarden.redis-url}, {@code ratewarden.probe-interval} and
 * {@code ratewarden.redis-timeout} only (and the port),
 * driven over HTTP on a Redis that is then killed. Its log must hold no ERROR.
 */
@Tag("redis")
@Tag("smoke")
class QuotesApplicationIT {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Test
    void limitsOnRedisAnswers429ReportsHealthAndMetricsAndKeepsServingThroughAKill() throws Exception {
        try (RedisServer redis = TestRedis.server();
             // A Redis timeout that a loaded machine meets: a reply later than it is rejected, by
             // design (docs/failure-and-recovery.md), and a cold first call on a CPU-starved machine
             // can take longer than the default 100 ms. What this test is about is the limit.
             Service service = new Service(List.of("--ratewarden.redis-url=" + redis.url(),
                     "--ratewarden.probe-interval=200ms", "--ratewarden.redis-timeout=1s"))) {
            await().atMost(Duration.ofSeconds(120)).until(() -> service.up(http));
            assertThat(get(service, "/actuator/health/ratewarden").body())
                    .as("on Redis as soon as the service answers: the start waited for it")
                    .contains("\"backend\":\"REDIS\"", "\"state\":\"HEALTHY\"");

            HttpResponse<String> first = get(service, "/quotes/alice");
            HttpResponse<String> second = get(service, "/quotes/alice");
            HttpResponse<String> third = get(service, "/quotes/alice");
            assertThat(List.of(first.statusCode(), second.statusCode(), third.statusCode()))
                    .as("2 a minute, limited once whether woven or proxied").containsExactly(200, 200, 429);
            assertThat(List.of(first, second, third)).extracting(r -> r.headers().firstValue("RateLimit").orElse(""))
                    .as("the remaining count on every response").containsExactly("\"quotes\";r=1", "\"quotes\";r=0",
                            "\"quotes\";r=0;t=" + third.headers().firstValue("Retry-After").orElseThrow());
            assertThat(first.headers().firstValue("RateLimit-Policy")).hasValue("\"quotes\";q=2;w=60");
            long retryAfter = Long.parseLong(third.headers().firstValue("Retry-After").orElseThrow());
            assertThat(retryAfter).isBetween(1L, 60L);
            assertThat(third.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/problem+json");
            assertThat(third.body()).contains("\"limit\":\"quotes\"", "\"status\":429").doesNotContain("alice");
            System.out.println("Third call: 429, Retry-After " + retryAfter + ", " + third.body());
            for (int i = 0; i < 3; i++) {
                assertThat(get(service, "/quotes/bob").statusCode()).as("bob, on the pro tier, call %d", i + 1)
                        .isEqualTo(200);
            }
            assertThat(get(service, "/quotes/bob").statusCode()).as("pro: 3 a minute, from application.properties")
                    .isEqualTo(429);
            assertThat(get(service, "/actuator/ratewarden/quotes").body()).contains("\"permits\":2", "\"pro\"");

            HttpResponse<String> health = get(service, "/actuator/health/ratewarden");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"status\":\"UP\"", "\"backend\":\"REDIS\"", "\"failovers\":0");
            HttpResponse<String> rejected = get(service, "/actuator/metrics/ratewarden.calls?tag=outcome:rejected");
            assertThat(rejected.statusCode()).isEqualTo(200);
            assertThat(count(rejected.body())).as("rejected calls in ratewarden.calls: alice's and bob's")
                    .isEqualTo(2.0);
            assertThat(get(service, "/actuator/metrics/ratewarden.calls").body()).contains("\"outcome\"", "\"backend\"");

            redis.kill();
            await().atMost(Duration.ofSeconds(30)).until(() -> get(service, "/actuator/health/ratewarden").body()
                    .contains("\"backend\":\"IN_MEMORY\""));
            HttpResponse<String> whole = get(service, "/actuator/health");
            assertThat(whole.statusCode()).as("an outage of Redis is no reason to restart the service").isEqualTo(200);
            assertThat(get(service, "/actuator/health/ratewarden").body()).contains("\"status\":\"UP\"",
                    "\"degraded\":true", "\"failovers\":1");
            assertThat(get(service, "/quotes/carol").statusCode()).as("still serving").isEqualTo(200);

            String log = service.output();
            assertThat(log).contains("Started QuotesApplication");
            boolean proxied = Boolean.getBoolean("ratewarden.test.proxied");
            assertThat(log.contains("through Spring AOP proxies")).as("proxies, exactly when nothing was woven")
                    .isEqualTo(proxied);
            assertThat(log.lines().filter(line -> line.contains(" ERROR ")).toList()).as("ERROR lines in the log")
                    .isEmpty();
            assertThat(log).doesNotContain("RateLimitExceededException");
        }
    }

    private static double count(String metricJson) {
        Matcher matcher = Pattern.compile("\"statistic\":\"COUNT\",\"value\":([0-9.E]+)").matcher(metricJson);
        assertThat(matcher.find()).as("a COUNT in %s", metricJson).isTrue();
        return Double.parseDouble(matcher.group(1));
    }

    private HttpResponse<String> get(Service service, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port + path))
                .timeout(Duration.ofSeconds(5)).GET().build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** The packaged service in a child JVM. */
    private static final class Service implements AutoCloseable {
        final Process process;
        final int port;
        final Path log;

        Service(List<String> arguments) throws IOException {
            port = RedisServerProcess.freePort();
            log = Files.createTempFile("ratewarden-example-boot", ".log");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> command = new java.util.ArrayList<>(List.of(java, "-jar",
                    System.getProperty("ratewarden.test.exampleJar"), "--server.port=" + port));
            command.addAll(arguments);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().keySet().removeIf(key -> key.contains("REDIS") || key.startsWith("RATEWARDEN_"));
            process = builder.start();
        }

        boolean up(HttpClient http) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the service exited: " + outputQuietly());
            }
            try {
                HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health"))
                        .timeout(Duration.ofSeconds(2)).GET().build();
                return http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        String output() throws IOException {
            return Files.readString(log);
        }

        private String outputQuietly() {
            try {
                return output();
            } catch (IOException e) {
                return "(log unreadable: " + e.getMessage() + ")";
            }
        }

        @Override
        public void close() throws IOException {
            process.destroy();
            try {
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            String output = output();
            System.out.println("--- service log (" + output.lines().count() + " lines) ---");
            System.out.println(output);
            Files.deleteIfExists(log);
        }
    }
}
