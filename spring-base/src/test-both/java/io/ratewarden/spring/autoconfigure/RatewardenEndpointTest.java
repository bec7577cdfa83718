package io.ratewarden.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ratewarden.Limit;
import io.ratewarden.Limiter;
import io.ratewarden.Ratewarden;
import io.ratewarden.testing.RedisServer;
import io.ratewarden.testing.TestRedis;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The operator's Actuator endpoint, on the Boot line this module builds for: an override with an
 * end, a DELETE that clears the tiers' overrides too, and 503 with a problem body (never a 500, and
 * no ERROR) when Redis cannot be reached for an override or a reset.
 */
@ExtendWith(OutputCaptureExtension.class)
@Tag("redis")
class RatewardenEndpointTest {

    private final ApplicationContextRunner contexts = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RatewardenAutoConfiguration.class,
                    RatewardenEndpointAutoConfiguration.class))
            .withPropertyValues("management.endpoints.web.exposure.include=ratewarden", "ratewarden.jmx=false",
                    "ratewarden.limits.quotes.permits=5", "ratewarden.limits.quotes.window=1m",
                    "ratewarden.limits.quotes.tiers.pro.permits=50");

    @Test
    void aDeleteClearsTheLimitsOverrideAndItsTiersAndAnOverrideCanEndByItself() {
        contexts.run(context -> {
            RatewardenEndpoint endpoint = context.getBean(RatewardenEndpoint.class);
            Limiter quotes = context.getBean(Ratewarden.class).limit("quotes");
            endpoint.override("quotes", 8, 60_000, null, null);
            endpoint.override("quotes", 80, 60_000, "pro", null);
            endpoint.override("quotes", 800, 60_000, "enterprise", null);
            assertThat(quotes.tier("pro").limit().permits()).isEqualTo(80);

            WebEndpointResponse<Map<String, Object>> cleared = endpoint.clearOverride("quotes", null);
            assertThat(cleared.getStatus()).isEqualTo(200);
            assertThat(quotes.overridden()).isNull();
            assertThat(quotes.tier("pro").overridden()).as("the tiers' overrides go too").isNull();
            assertThat(quotes.tier("pro").limit().permits()).isEqualTo(50);
            assertThat(quotes.tier("enterprise").overridden()).isNull();

            endpoint.override("quotes", 9, 60_000, null, 300L);
            assertThat(quotes.limit().permits()).isEqualTo(9);
            await().atMost(Duration.ofSeconds(30)).until(() -> quotes.limit().equals(Limit.of(5, Duration.ofMinutes(1))));
        });
    }

    @Test
    void aLimitsReadSaysHowManyCallsWereNearTheLimit() {
        contexts.run(context -> {
            RatewardenEndpoint endpoint = context.getBean(RatewardenEndpoint.class);
            Limiter quotes = context.getBean(Ratewarden.class).limit("quotes");
            for (int i = 0; i < 6; i++) {
                quotes.tryAcquire("alice"); // of 5: the 4th and 5th leave at most a fifth (1, 0); the 6th is refused
            }
            assertThat(endpoint.limit("quotes")).containsEntry("permitted", 5L).containsEntry("rejected", 1L)
                    .containsEntry("nearLimit", 2L);
        });
    }

    @Test
    void anOverrideOrResetThatRedisCannotTakeAnswers503WithAProblem(CapturedOutput output) throws Exception {
        try (RedisServer redis = TestRedis.server()) {
            contexts.withPropertyValues("ratewarden.redis-url=" + redis.url(), "ratewarden.probe-interval=200ms",
                    "ratewarden.redis-timeout=1s").run(context -> {
                Ratewarden rw = context.getBean(Ratewarden.class);
                await().atMost(Duration.ofSeconds(30)).until(rw::isHealthy);
                RatewardenEndpoint endpoint = context.getBean(RatewardenEndpoint.class);
                rw.limit("quotes");
                redis.kill();
                await().atMost(Duration.ofSeconds(30)).until(() -> !rw.isHealthy());

                WebEndpointResponse<Map<String, Object>> override = endpoint.override("quotes", 8, 60_000, null, null);
                assertThat(override.getStatus()).isEqualTo(503);
                assertThat(override.getBody()).containsEntry("status", 503).containsEntry("limit", "quotes");
                assertThat(String.valueOf(override.getBody().get("detail"))).contains("nothing changed");
                WebEndpointResponse<Map<String, Object>> reset = endpoint.reset("quotes", "alice");
                assertThat(reset.getStatus()).isEqualTo(503);
                assertThat(String.valueOf(reset.getBody().get("detail"))).contains("memory only");
                assertThat(endpoint.clearOverride("quotes", null).getStatus()).isEqualTo(503);
            });
        }
        assertThat(output.getAll()).as("no ERROR and no stack trace for an unreachable Redis").doesNotContain(" ERROR ")
                .doesNotContain("\tat ");
    }
}
