package io.ratewarden.spring.boot3;

import io.ratewarden.Ratewarden;
import io.ratewarden.spring.autoconfigure.RatewardenAutoConfiguration;
import io.ratewarden.spring.autoconfigure.RatewardenHealthReport;
import io.ratewarden.spring.autoconfigure.RatewardenProperties;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Adds the {@code ratewarden} component to Actuator's health on Spring Boot 3.5
 * ({@link RatewardenHealthIndicator}). Off with {@code management.health.ratewarden.enabled=false}.
 */
@AutoConfiguration(after = RatewardenAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(Ratewarden.class)
@ConditionalOnEnabledHealthIndicator("ratewarden")
public class RatewardenHealthAutoConfiguration {

    /**
     * The health component, named {@code ratewarden} after its bean.
     *
     * @param ratewarden the context's instance
     * @param properties the {@code ratewarden.*} properties
     * @return the indicator
     */
    @Bean
    @ConditionalOnMissingBean(name = "ratewardenHealthIndicator")
    public RatewardenHealthIndicator ratewardenHealthIndicator(Ratewarden ratewarden, RatewardenProperties properties) {
        return new RatewardenHealthIndicator(ratewarden, properties.health().outOfServiceWhenFallingBack());
    }
}
