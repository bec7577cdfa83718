package io.ratewarden.spring.autoconfigure;

import io.ratewarden.Metrics;
import io.ratewarden.Ratewarden;
import io.ratewarden.StoreInfo;
import io.ratewarden.StoreState;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the {@code ratewarden} health component says, whichever Spring Boot line shows it: its
 * status and details, from one {@link Ratewarden#metrics()} snapshot (no I/O).
 *
 * <ul>
 *   <li>{@code UP} while Redis decides, and also while the instance is still connecting or falls
 *       back to memory: an outage of Redis must not get a service restarted that keeps deciding;
 *       then {@code degraded} is {@code true} and {@code state} says {@code CONNECTING} or
 *       {@code FAILED}.</li>
 *   <li>With {@code outOfServiceWhenFallingBack}, {@code OUT_OF_SERVICE} instead while the
 *       instance does not decide on Redis, connecting included: for a readiness group.</li>
 * </ul>
 *
 * @param outOfService whether the component reports {@code OUT_OF_SERVICE} rather than {@code UP}
 * @param details the details, in a stable order
 */
public record RatewardenHealthReport(boolean outOfService, Map<String, Object> details) {

    /**
     * Reads the instance's state.
     *
     * @param ratewarden the instance
     * @param outOfServiceWhenFallingBack whether not deciding on Redis is {@code OUT_OF_SERVICE}
     * @return the report
     */
    public static RatewardenHealthReport of(Ratewarden ratewarden, boolean outOfServiceWhenFallingBack) {
        return of(ratewarden.metrics(), outOfServiceWhenFallingBack);
    }

    /** The report of one snapshot of an instance's counters. */
    static RatewardenHealthReport of(Metrics metrics, boolean outOfServiceWhenFallingBack) {
        StoreInfo info = metrics.store();
        boolean degraded = info.state() != StoreState.HEALTHY;
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("instance", metrics.instance());
        details.put("backend", info.backend().name());
        details.put("state", info.state().name());
        details.put("degraded", degraded);
        details.put("since", info.since().toString());
        details.put("failovers", info.failovers());
        details.put("recoveries", info.recoveries());
        details.put("permitted", metrics.permitted());
        details.put("rejected", metrics.rejected());
        details.put("cachedRejections", metrics.cachedRejections());
        details.put("fallbackDecisions", metrics.fallbackDecisions());
        details.put("localKeys", info.localKeys());
        if (info.redisUrl() != null) {
            details.put("redisUrl", info.redisUrl());
        }
        if (info.redisLatency() != null) {
            details.put("redisLatencyMillis", info.redisLatency().toNanos() / 1e6);
        }
        if (info.lastError() != null) {
            details.put("lastError", info.lastError());
        }
        if (info.lastErrorAt() != null) {
            details.put("lastErrorAt", info.lastErrorAt().toString());
        }
        return new RatewardenHealthReport(degraded && outOfServiceWhenFallingBack, details);
    }
}
