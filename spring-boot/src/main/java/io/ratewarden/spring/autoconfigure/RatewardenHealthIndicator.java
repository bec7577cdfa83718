package io.ratewarden.spring.autoconfigure;

import io.ratewarden.Ratewarden;
import io.ratewarden.StoreInfo;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The {@code ratewarden} health component: {@code UP} with the store's state in its details,
 * also while the instance falls back to memory (a Redis outage must not get the service
 * restarted); then {@code degraded} is {@code true}. With {@code outOfServiceWhenFallingBack} it
 * reports {@code OUT_OF_SERVICE} instead while falling back, for readiness groups. Does no I/O.
 */
public class RatewardenHealthIndicator implements HealthIndicator {

    private final Ratewarden ratewarden;
    private final boolean outOfServiceWhenFallingBack;

    /**
     * Creates the indicator.
     *
     * @param ratewarden the instance to report on
     * @param outOfServiceWhenFallingBack whether falling back reports {@code OUT_OF_SERVICE}
     */
    public RatewardenHealthIndicator(Ratewarden ratewarden, boolean outOfServiceWhenFallingBack) {
        this.ratewarden = ratewarden;
        this.outOfServiceWhenFallingBack = outOfServiceWhenFallingBack;
    }

    /**
     * Reports the instance's state: backend, since, failovers, recoveries, the masked Redis
     * address and the last error, masked.
     *
     * @return the health, never {@code null}
     */
    @Override
    public Health health() {
        StoreInfo info = ratewarden.storeInfo();
        boolean degraded = !info.healthy();
        Health.Builder health = degraded && outOfServiceWhenFallingBack ? Health.outOfService() : Health.up();
        health.withDetail("instance", ratewarden.name())
                .withDetail("backend", info.backend().name())
                .withDetail("degraded", degraded)
                .withDetail("since", info.since().toString())
                .withDetail("failovers", info.failovers())
                .withDetail("recoveries", info.recoveries())
                .withDetail("cachedRefusals", ratewarden.cachedRefusals())
                .withDetail("localKeys", info.localKeys());
        if (info.redisUrl() != null) {
            health.withDetail("redisUrl", info.redisUrl());
        }
        if (info.redisLatency() != null) {
            health.withDetail("redisLatencyMillis", info.redisLatency().toNanos() / 1e6);
        }
        if (info.lastError() != null) {
            health.withDetail("lastError", info.lastError());
        }
        if (info.lastErrorAt() != null) {
            health.withDetail("lastErrorAt", info.lastErrorAt().toString());
        }
        return health.build();
    }
}
