package io.ratewarden.spring.autoconfigure;

import io.ratewarden.Ratewarden;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.ProblemDetail;

/**
 * Turns a refused call into {@code 429 Too Many Requests} in a Spring MVC or WebFlux
 * application ({@link RateLimitExceededHandler}). Off with {@code ratewarden.web.enabled=false}.
 */
@AutoConfiguration(after = RatewardenAutoConfiguration.class)
@ConditionalOnWebApplication
@ConditionalOnClass(ProblemDetail.class)
@ConditionalOnBean(Ratewarden.class)
@ConditionalOnBooleanProperty(name = "ratewarden.web.enabled", matchIfMissing = true)
public class RatewardenWebAutoConfiguration {

    /**
     * The 429 handler.
     *
     * @param properties the {@code ratewarden.*} properties
     * @return the handler
     */
    @Bean
    @ConditionalOnMissingBean
    public RateLimitExceededHandler rateLimitExceededHandler(RatewardenProperties properties) {
        return new RateLimitExceededHandler(properties.web().rateLimitHeaders());
    }
}
