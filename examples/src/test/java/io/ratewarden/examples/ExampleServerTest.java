package io.ratewarden.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.Ratewarden;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The example service, woven at build time from the published aspect jar, limits quotes per user
 * and reports its store.
 */
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
    void quotesAreLimitedPerUserWithRetryAfter() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(get("/quote?user=alice").statusCode()).isEqualTo(200);
        }
        HttpResponse<String> limited = get("/quote?user=alice");
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).hasValueSatisfying(
                seconds -> assertThat(Long.parseLong(seconds)).isBetween(1L, 11L));
        assertThat(limited.body()).contains("\"error\":\"rate limit 'quotes' exceeded for alice\"");

        assertThat(get("/quote?user=bob").statusCode()).isEqualTo(200);
    }

    @Test
    void healthReportsTheInMemoryStore() throws Exception {
        get("/quote?user=carol");
        HttpResponse<String> health = get("/health/ratelimit");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"backend\":\"IN_MEMORY\"", "\"healthy\":true", "\"redisUrl\":null",
                "\"localKeys\":1");
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
