package io.ratewarden.spring.autoconfigure;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.ratewarden.Ratewarden;
import io.ratewarden.micrometer.RatewardenMetrics;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Binds the instance's meters ({@link RatewardenMetrics}) when Micrometer is present; Boot binds
 * every {@link MeterBinder} bean to its registries.
 */
@AutoConfiguration(after = RatewardenAutoConfiguration.class)
@ConditionalOnClass({MeterBinder.class, RatewardenMetrics.class})
@ConditionalOnBean(Ratewarden.class)
public class RatewardenMetricsAutoConfiguration {

    /**
     * The meter binder.
     *
     * @param ratewarden the context's instance
     * @return the binder
     */
    @Bean
    @ConditionalOnMissingBean
    public RatewardenMetrics ratewardenMetrics(Ratewarden ratewarden) {
        return new RatewardenMetrics(ratewarden);
    }
}
