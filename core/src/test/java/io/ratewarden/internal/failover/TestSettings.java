package io.ratewarden.internal.failover;

import io.ratewarden.FailurePolicy;
import io.ratewarden.FallbackShare;
import io.ratewarden.RedisAlgorithm;
import io.ratewarden.internal.settings.RatewardenSettings;
import java.time.Duration;
import java.util.Map;

/** Settings of a store under test, with the builder's defaults where a test does not care. */
final class TestSettings {

    private TestSettings() {
    }

    static RatewardenSettings of(String name, FailurePolicy policy, Duration probeInterval, Duration redisTimeout,
                                 FallbackShare share, boolean overLimitCache, long maxKeys) {
        return of(name, policy, probeInterval, redisTimeout, share, overLimitCache, maxKeys,
                RedisAlgorithm.RRATE_LIMITER);
    }

    static RatewardenSettings of(String name, FailurePolicy policy, Duration probeInterval, Duration redisTimeout,
                                 FallbackShare share, boolean overLimitCache, long maxKeys,
                                 RedisAlgorithm algorithm) {
        return new RatewardenSettings(name, policy, redisTimeout, probeInterval, "rw-test:", share, overLimitCache,
                maxKeys, algorithm, Duration.ZERO, Duration.ofSeconds(5), false, false, true, Map.of());
    }

    static RatewardenSettings withPrefix(RatewardenSettings settings, String keyPrefix) {
        return new RatewardenSettings(settings.name(), settings.failurePolicy(), settings.redisTimeout(),
                settings.probeInterval(), keyPrefix, settings.fallbackShare(), settings.overLimitCache(),
                settings.localMaxKeys(), settings.redisAlgorithm(), settings.startupWait(), settings.overrideWait(),
                settings.shadow(),
                settings.reportRemaining(), settings.coalesce(), settings.limits());
    }
}
