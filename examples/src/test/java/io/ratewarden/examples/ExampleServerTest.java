package io.ratewarden.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ratewarden.Limit;
import io.ratewarden.Limiter;
import io.ratewarden.Ratewarden;
import io.ratewarden.testing.RedisServer;
import io.ratewarden.testing.TestRedis;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The example service, woven at build time from the published aspect jar, limits quotes per user
 * and reports its store: 200 while Redis or memory decides as configured, and while the first
 * connection to Redis is still being made.
 */
@Tag("redis")
class ExampleServerTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private ExampleServer server;

    @BeforeEach
    void start() throws IOException {
        server = new ExampleServer(0, Ratewarden.builder().name("ExampleServerTest").build());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void healthAnswers200WhileTheFirstConnectionToRedisIsBeingMade() throws Exception {
        server.close();
        try (RedisServer redis = TestRedis.server()) {
            redis.pause(); // accepts connections, answers nothing: the first connection hangs
            server = new ExampleServer(0, Ratewarden.builder().name("ExampleServerTest-connecting")
                    .redisUrl(redis.url()).startupWait(Duration.ZERO).probeInterval(Duration.ofMillis(200)).build());
            HttpResponse<String> connecting = get("/health/ratelimit");
            assertThat(connecting.body()).contains("\"state\":\"CONNECTING\"", "\"backend\":\"IN_MEMORY\"");
            assertThat(connecting.statusCode()).as("connecting is not a failure").isEqualTo(200);

            redis.resume();
            await().atMost(Duration.ofSeconds(20)).until(() -> get("/health/ratelimit").body()
                    .contains("\"state\":\"HEALTHY\""));
            HttpResponse<String> healthy = get("/health/ratelimit");
            assertThat(healthy.statusCode()).isEqualTo(200);
            assertThat(healthy.body()).contains("\"backend\":\"REDIS\"", "\"failovers\":0");
        }
    }

    @Test
    void quotesAreLimitedPerUserWithRetryAfter() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(get("/quote?user=alice").statusCode()).isEqualTo(200);
        }
        HttpResponse<String> limited = get("/quote?user=alice");
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).hasValueSatisfying(
                seconds -> assertThat(Long.parseLong(seconds)).isBetween(1L, 11L));
        assertThat(limited.body()).contains("\"error\":\"rate limit 'quotes' exceeded\"").doesNotContain("alice");

        assertThat(get("/quote?user=bob").statusCode()).isEqualTo(200);
    }

    @Test
    void anUnknownSymbolCostsTheUserNoQuotaAndARefusalNoDailyPermit() throws Exception {
        for (int i = 0; i < 8; i++) {
            HttpResponse<String> unknown = get("/quote?user=erin&symbol=NOPE");
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.body()).contains("no quotes for symbol 'NOPE'");
        }
        for (int i = 0; i < 5; i++) {
            assertThat(get("/quote?user=erin&symbol=GLOBEX").statusCode()).as("quote %d", i + 1).isEqualTo(200);
        }
        for (int i = 0; i < 3; i++) {
            assertThat(get("/quote?user=erin").statusCode()).isEqualTo(429);
        }
        Limiter daily = Ratewarden.installed().limit("quotes-daily", Limit.of(1_000, Duration.ofDays(1)));
        assertThat(daily.remaining("erin")).as("five quotes, nothing for the refused or failed calls")
                .isEqualTo(995);
    }

    @Test
    void healthReportsTheInMemoryStore() throws Exception {
        get("/quote?user=carol");
        HttpResponse<String> health = get("/health/ratelimit");
        assertThat(health.statusCode()).isEqualTo(200);
        // One key held per limit of the quote: the user's in "quotes" and in "quotes-daily".
        assertThat(health.body()).contains("\"backend\":\"IN_MEMORY\"", "\"healthy\":true", "\"redisUrl\":null",
                "\"localKeys\":2");
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
