package io.ratewarden.spring.boot3;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.Limit;
import io.ratewarden.Ratewarden;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import io.ratewarden.spring.autoconfigure.RatewardenAutoConfiguration;
import io.ratewarden.spring.autoconfigure.RatewardenEndpoint;
import io.ratewarden.spring.autoconfigure.RatewardenEndpointAutoConfiguration;
import io.ratewarden.spring.autoconfigure.RatewardenProxyAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The starter on Spring Boot 3.5: the same auto-configuration, with Boot 3's health types. */
@Tag("unit")
class Boot3StarterTest {

    private final ApplicationContextRunner contexts = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RatewardenAutoConfiguration.class,
                    RatewardenHealthAutoConfiguration.class, RatewardenEndpointAutoConfiguration.class,
                    RatewardenProxyAutoConfiguration.class));

    @Test
    void onBootThreeFiveTheHealthComponentLimitsAndEndpointAllWork() {
        assertThat(SpringBootVersion.getVersion()).startsWith("3.5");
        contexts.withPropertyValues("spring.application.name=boot3", "ratewarden.limits.quotes.permits=3",
                "ratewarden.limits.quotes.window=1m", "management.endpoints.web.exposure.include=ratewarden")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(RatewardenEndpoint.class);
                    HealthIndicator health = context.getBean("ratewardenHealthIndicator", HealthIndicator.class);
                    Health reported = health.health();
                    assertThat(reported.getStatus()).isEqualTo(Status.UP);
                    assertThat(reported.getDetails()).containsEntry("backend", "IN_MEMORY")
                            .containsEntry("state", "HEALTHY").containsEntry("instance", "boot3");
                    Ratewarden rw = context.getBean(Ratewarden.class);
                    assertThat(rw.limit("quotes").limit()).isEqualTo(Limit.of(3, Duration.ofMinutes(1)));
                });
    }
}
