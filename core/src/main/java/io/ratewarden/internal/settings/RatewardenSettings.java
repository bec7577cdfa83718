package io.ratewarden.internal.settings;

import io.ratewarden.FailurePolicy;
import io.ratewarden.FallbackShare;
import io.ratewarden.RedisAlgorithm;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The settings of one {@code Ratewarden} instance, validated by its builder and handed whole to
 * the stores. Not part of the API.
 *
 * @param name the instance's name, its identity in logs, JMX and on Redis
 * @param failurePolicy what a call gets when the primary backend cannot decide it, never
 *     {@link FailurePolicy#DEFAULT}
 * @param redisTimeout the longest a call or a probe waits for Redis
 * @param probeInterval the time between two probes of Redis
 * @param keyPrefix the prefix of every Redis key, without braces
 * @param fallbackShare how much of each limit this instance admits on its own during an outage
 * @param overLimitCache whether a key Redis rejected is rejected here, without a round trip, until
 *     Redis said it would have room again
 * @param localMaxKeys the most keys held in memory, for the limiter and for Redis's rejections
 * @param redisAlgorithm how buckets are kept on Redis
 * @param startupWait how long {@code build()} waits for the first connection to Redis
 * @param overrideWait how long an operator's override waits for Redis to store it
 * @param shadow whether every limit rejects nothing (a limit's own configuration comes first)
 * @param reportRemaining whether a grant's decision carries the permits left
 * @param coalesce whether calls for one bucket on Redis queue behind the one in flight and go
 *     together in the next round trip
 * @param limits what configuration says of limits, by name
 */
public record RatewardenSettings(String name, FailurePolicy failurePolicy, Duration redisTimeout,
                                 Duration probeInterval, String keyPrefix, FallbackShare fallbackShare,
                                 boolean overLimitCache, long localMaxKeys, RedisAlgorithm redisAlgorithm,
                                 Duration startupWait, Duration overrideWait, boolean shadow, boolean reportRemaining, boolean coalesce,
                                 Map<String, ConfiguredLimit> limits) {

    /**
     * Checks that nothing is missing (the builder checks the values).
     *
     * @throws NullPointerException naming the missing setting
     */
    public RatewardenSettings {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(failurePolicy, "failurePolicy");
        Objects.requireNonNull(redisTimeout, "redisTimeout");
        Objects.requireNonNull(probeInterval, "probeInterval");
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        Objects.requireNonNull(fallbackShare, "fallbackShare");
        Objects.requireNonNull(redisAlgorithm, "redisAlgorithm");
        Objects.requireNonNull(startupWait, "startupWait");
        Objects.requireNonNull(overrideWait, "overrideWait");
        limits = Map.copyOf(limits);
    }

    /**
     * Returns what configuration says of the limit named {@code name} (by its exact name, else by
     * its environment form); {@link ConfiguredLimit#NONE} when nothing.
     *
     * @param name the limit's name
     * @return the configuration, never {@code null}
     */
    public ConfiguredLimit limit(String name) {
        return ConfiguredLimit.find(limits, name);
    }
}
