package io.ratewarden.spring.autoconfigure;

import io.ratewarden.Ratewarden;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Adds the {@code ratewarden} Actuator endpoint ({@link RatewardenEndpoint}) when Actuator is
 * present and the endpoint is available (exposed and not switched off), on Spring Boot 3.5 and 4.
 */
@AutoConfiguration(after = RatewardenAutoConfiguration.class)
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
@ConditionalOnBean(Ratewarden.class)
@ConditionalOnAvailableEndpoint(RatewardenEndpoint.class)
public class RatewardenEndpointAutoConfiguration {

    /**
     * The endpoint.
     *
     * @param ratewarden the context's instance
     * @return the endpoint
     */
    @Bean
    @ConditionalOnMissingBean
    public RatewardenEndpoint ratewardenEndpoint(Ratewarden ratewarden) {
        return new RatewardenEndpoint(ratewarden);
    }
}
