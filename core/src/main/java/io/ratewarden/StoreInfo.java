package io.ratewarden;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What a store reports about itself: which backend decides, since when, and why.
 *
 * <p>{@link #healthy()} and {@link #state()} agree: healthy exactly when the state is
 * {@link StoreState#HEALTHY}.
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
 * @param state whether the primary backend decides, is still being connected, or failed
 */
public record StoreInfo(Backend backend, boolean healthy, String redisUrl, Instant since,
                        long failovers, long recoveries, String lastError, Instant lastErrorAt,
                        Duration redisLatency, long localKeys, StoreState state) {

    /**
     * Validates the report.
     *
     * @throws NullPointerException if {@code backend}, {@code since} or {@code state} is
     *     {@code null}
     * @throws IllegalArgumentException if {@code healthy} disagrees with {@code state}
     */
    public StoreInfo {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(state, "state");
        if (healthy != (state == StoreState.HEALTHY)) {
            throw new IllegalArgumentException("healthy is " + healthy + " but state is " + state);
        }
    }

    /**
     * Creates a report whose state follows from {@code healthy}: {@link StoreState#HEALTHY} or
     * {@link StoreState#FAILED}. For stores that are never connecting, such as a plugged store.
     *
     * @param backend the backend deciding calls now
     * @param healthy whether the primary backend is usable
     * @param redisUrl the masked Redis address, or {@code null}
     * @param since when {@code backend} started deciding
     * @param failovers how often the store moved from its primary backend to memory
     * @param recoveries how often it moved back
     * @param lastError the last failure, masked, or {@code null}
     * @param lastErrorAt when {@code lastError} occurred, or {@code null}
     * @param redisLatency the last round trip, or {@code null}
     * @param localKeys the keys the in-memory limiter holds
     */
    public StoreInfo(Backend backend, boolean healthy, String redisUrl, Instant since, long failovers,
                     long recoveries, String lastError, Instant lastErrorAt, Duration redisLatency, long localKeys) {
        this(backend, healthy, redisUrl, since, failovers, recoveries, lastError, lastErrorAt, redisLatency,
                localKeys, healthy ? StoreState.HEALTHY : StoreState.FAILED);
    }
}
