package io.ratewarden.spring.boot3;

import io.ratewarden.Ratewarden;
import io.ratewarden.spring.autoconfigure.RatewardenAutoConfiguration;
import io.ratewarden.spring.autoconfigure.RatewardenHealthReport;
import io.ratewarden.spring.autoconfigure.RatewardenProperties;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;

/**
 * The {@code ratewarden} health component on Spring Boot 3.5: what {@link RatewardenHealthReport}
 * says. Does no I/O.
 */
public class RatewardenHealthIndicator implements HealthIndicator {

    private final Ratewarden ratewarden;
    private final boolean outOfServiceWhenFallingBack;

    /**
     * Creates the indicator.
     *
     * @param ratewarden the instance to report on
     * @param outOfServiceWhenFallingBack whether not deciding on Redis reports {@code OUT_OF_SERVICE}
     */
    public RatewardenHealthIndicator(Ratewarden ratewarden, boolean outOfServiceWhenFallingBack) {
        this.ratewarden = ratewarden;
        this.outOfServiceWhenFallingBack = outOfServiceWhenFallingBack;
    }

    /**
     * Reports the instance's state ({@link RatewardenHealthReport}).
     *
     * @return the health, never {@code null}
     */
    @Override
    public Health health() {
        RatewardenHealthReport report = RatewardenHealthReport.of(ratewarden, outOfServiceWhenFallingBack);
        return (report.outOfService() ? Health.outOfService() : Health.up()).withDetails(report.details()).build();
    }
}
