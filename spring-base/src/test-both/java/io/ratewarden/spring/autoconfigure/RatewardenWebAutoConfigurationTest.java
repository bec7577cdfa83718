package io.ratewarden.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/** The 429 handler is there in servlet and reactive applications, and can be replaced or dropped. */
@Tag("unit")
class RatewardenWebAutoConfigurationTest {

    private final AutoConfigurations configurations =
            AutoConfigurations.of(RatewardenAutoConfiguration.class, RatewardenWebAutoConfiguration.class);

    @Test
    void servletAndReactiveApplicationsGetTheHandler() {
        new WebApplicationContextRunner().withConfiguration(configurations)
                .withPropertyValues("ratewarden.name=web-servlet")
                .run(context -> assertThat(context).hasSingleBean(RateLimitExceededHandler.class));
        new ReactiveWebApplicationContextRunner().withConfiguration(configurations)
                .withPropertyValues("ratewarden.name=web-reactive")
                .run(context -> assertThat(context).hasSingleBean(RateLimitExceededHandler.class));
    }

    @Test
    void anApplicationsOwnHandlerBeanReplacesIt() {
        RateLimitExceededHandler own = new RateLimitExceededHandler(true);
        new WebApplicationContextRunner().withConfiguration(configurations)
                .withPropertyValues("ratewarden.name=web-own")
                .withBean(RateLimitExceededHandler.class, () -> own)
                .run(context -> assertThat(context.getBean(RateLimitExceededHandler.class)).isSameAs(own));
    }

    @Test
    void itCanBeSwitchedOff() {
        new WebApplicationContextRunner().withConfiguration(configurations)
                .withPropertyValues("ratewarden.name=web-off", "ratewarden.web.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(RateLimitExceededHandler.class));
    }
}
