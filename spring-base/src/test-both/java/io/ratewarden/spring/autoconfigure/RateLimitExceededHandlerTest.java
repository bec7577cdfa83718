package io.ratewarden.spring.autoconfigure;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.ratewarden.RateLimitExceededException;
import java.time.Duration;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** What a rejected call answers over HTTP, in Spring MVC and in WebFlux. */
@Tag("unit")
class RateLimitExceededHandlerTest {

    @RestController
    static class Quotes {
        @GetMapping("/quote/alice@example.com")
        String quote() {
            throw new RateLimitExceededException("quotes", "alice@example.com", 2, Duration.ofMinutes(1),
                    Duration.ofMillis(41_200));
        }
    }

    @RestControllerAdvice
    static class OwnHandler {
        @ExceptionHandler(RateLimitExceededException.class)
        ResponseEntity<String> busy(RateLimitExceededException e) {
            return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body("busy");
        }
    }

    @Test
    void mvcAnswers429WithRetryAfterAndAProblemNamingTheLimitButNotTheKey() throws Exception {
        MockMvc mvc = MockMvcBuilders.standaloneSetup(new Quotes())
                .setControllerAdvice(new RateLimitExceededHandler(false)).build();
        mvc.perform(get("/quote/alice@example.com"))
                .andExpect(status().isTooManyRequests())
                .andExpect(header().string("Retry-After", "42"))
                .andExpect(header().doesNotExist("RateLimit"))
                .andExpect(content().contentTypeCompatibleWith("application/problem+json"))
                .andExpect(jsonPath("$.status").value(429))
                .andExpect(jsonPath("$.title").value("Too Many Requests"))
                .andExpect(jsonPath("$.limit").value("quotes"))
                .andExpect(jsonPath("$.retryAfterSeconds").value(42))
                .andExpect(content().string(Matchers.not(Matchers.containsString("alice"))));
    }

    @Test
    void mvcAddsTheIetfFieldsWhenAskedTo() throws Exception {
        MockMvc mvc = MockMvcBuilders.standaloneSetup(new Quotes())
                .setControllerAdvice(new RateLimitExceededHandler(true)).build();
        mvc.perform(get("/quote/alice@example.com"))
                .andExpect(status().isTooManyRequests())
                .andExpect(header().string("RateLimit-Policy", "\"quotes\";q=2;w=60"))
                .andExpect(header().string("RateLimit", "\"quotes\";r=0;t=42"));
    }

    @Test
    void theApplicationsOwnHandlerAnswersInstead() throws Exception {
        // Application beans are registered before auto-configured ones; equal order keeps that.
        MockMvc mvc = MockMvcBuilders.standaloneSetup(new Quotes())
                .setControllerAdvice(new OwnHandler(), new RateLimitExceededHandler(false)).build();
        mvc.perform(get("/quote/alice@example.com")).andExpect(status().isServiceUnavailable())
                .andExpect(content().string("busy"));
    }

    @Test
    void webFluxAnswersTheSame() {
        WebTestClient client = WebTestClient.bindToController(new Quotes())
                .controllerAdvice(new RateLimitExceededHandler(false)).build();
        client.get().uri("/quote/alice@example.com").exchange()
                .expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
                .expectHeader().valueEquals("Retry-After", "42")
                .expectBody()
                .jsonPath("$.limit").isEqualTo("quotes")
                .jsonPath("$.status").isEqualTo(429)
                .consumeWith(result -> org.assertj.core.api.Assertions.assertThat(new String(result.getResponseBody()))
                        .doesNotContain("alice"));
    }

    @Test
    void retryAfterIsRoundedUpToWholeSecondsAndNeverZero() {
        org.assertj.core.api.Assertions.assertThat(RateLimitExceededHandler.retryAfterSeconds(rejection(Duration.ZERO)))
                .isEqualTo(1);
        org.assertj.core.api.Assertions.assertThat(RateLimitExceededHandler.retryAfterSeconds(rejection(Duration.ofSeconds(3))))
                .isEqualTo(3);
        org.assertj.core.api.Assertions.assertThat(
                RateLimitExceededHandler.retryAfterSeconds(rejection(Duration.ofSeconds(3).plusNanos(1)))).isEqualTo(4);
    }

    @Test
    void aCallRejectedBecauseRedisCouldNotDecideIsA503NotA429() {
        var response = new RateLimitExceededHandler(false).rateLimited(new RateLimitExceededException("quotes", "alice",
                5, Duration.ofMinutes(1), Duration.ofSeconds(1), true));
        org.assertj.core.api.Assertions.assertThat(response.getStatusCode().value()).isEqualTo(503);
        org.assertj.core.api.Assertions.assertThat(response.getHeaders().getFirst("Retry-After")).isEqualTo("1");
        org.assertj.core.api.Assertions.assertThat(response.getBody().getDetail()).contains("could not be checked")
                .doesNotContain("exceeded").doesNotContain("alice");
    }

    private static RateLimitExceededException rejection(Duration retryAfter) {
        return new RateLimitExceededException("l", "", 1, Duration.ofMinutes(1), retryAfter);
    }
}
