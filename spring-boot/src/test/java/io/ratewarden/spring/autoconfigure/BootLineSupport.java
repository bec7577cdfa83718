package io.ratewarden.spring.autoconfigure;

import io.ratewarden.spring.boot4.RatewardenHealthAutoConfiguration;
import java.util.Map;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.context.ApplicationContext;

/** What differs between the Boot lines in the shared behaviour tests: here, Boot 4's types. */
final class BootLineSupport {

    /** This line's health auto-configuration. */
    static final Class<?> HEALTH_AUTO_CONFIGURATION = RatewardenHealthAutoConfiguration.class;

    private BootLineSupport() {
    }

    /** A health component's reading, in words both lines share. */
    record HealthReading(String status, Map<String, Object> details) {
    }

    /** Reads the {@code ratewardenHealthIndicator} bean of {@code context}. */
    static HealthReading health(ApplicationContext context) {
        Health health = context.getBean("ratewardenHealthIndicator", HealthIndicator.class).health();
        return new HealthReading(health.getStatus().getCode(), health.getDetails());
    }

    /** Micrometer's auto-configuration with a simple registry. */
    static AutoConfigurations metrics() {
        return AutoConfigurations.of(MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
                SimpleMetricsExportAutoConfiguration.class);
    }
}
