package io.ratewarden;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What a store reports about itself: which backend decides, since when, and why.
 *
 * @param backend the backend deciding calls now
 * @param healthy whether the configured primary backend is usable: {@code true} for an in-memory
 *     store without Redis, {@code false} while a Redis-backed store has fallen back
 * @param redisUrl the Redis address with any secret masked ({@code redis://user:****@host:6379}),
 *     or {@code null} when Redis is not configured
 * @param since when {@code backend} started deciding
 * @param failovers how often the store has moved from Redis to memory
 * @param recoveries how often the store has moved back from memory to Redis
 * @param lastError the last Redis failure, masked, or {@code null} if none occurred
 * @param lastErrorAt when {@code lastError} occurred, or {@code null}
 * @param redisLatency the latency of the last successful Redis round trip, or {@code null} when
 *     none has been measured
 * @param localKeys the number of keys the in-memory limiter holds (an estimate)
 */
public record StoreInfo(Backend backend, boolean healthy, String redisUrl, Instant since,
                        long failovers, long recoveries, String lastError, Instant lastErrorAt,
                        Duration redisLatency, long localKeys) {

    /**
     * Validates the report.
     *
     * @throws NullPointerException if {@code backend} or {@code since} is {@code null}
     */
    public StoreInfo {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(since, "since");
    }
}
