package io.ratewarden.redis.internal;

import io.ratewarden.store.LimitKey;
import java.util.List;

/**
 * How buckets are kept on Redis: Redisson's {@code RRateLimiter} layout
 * ({@link RedissonLimiterLayout}) or Ratewarden's compact one ({@link CompactLayout}). Each
 * operation is one round trip, timed by the Redis server's clock, with the bucket's limit sent
 * along: a changed limit reaches the bucket on its next call. Every wait is bounded by a
 * deadline ({@link RedisCommands#await}), whose exceptions these methods throw. Implementations
 * are thread-safe.
 */
interface RedisLayout {

    /**
     * Takes {@code cost} permits of {@code key} if the bucket has room for them. A bucket that is
     * missing on Redis while this instance holds {@code seed} grants of it in its window (Redis lost
     * it: a flush, an eviction, a restart without persistence) is re-created with those grants,
     * dated now, before the decision, and {@link RedisCommands#decision} reports it.
     *
     * @param seed the grants this instance holds of the bucket in its window, 0 for none
     * @return when granted, the permits left (0 or more); when rejected, minus the microseconds
     *     until the bucket has room for {@code cost} (at most the window)
     */
    long decide(LimitKey key, long cost, long seed, long deadline);

    /** Returns the permits a call on {@code key} could take now, without taking any. */
    long remaining(LimitKey key, long deadline);

    /** Forgets every grant of {@code key}, so that its next call finds the whole limit. */
    void reset(LimitKey key, long deadline);

    /** The Redis keys that hold {@code key}'s bucket, all in one cluster slot. */
    List<String> keysOf(LimitKey key);

    /**
     * The scripts that {@link #decide} and {@link #remaining} run, for loading into Redis's script
     * cache before the first call needs them.
     */
    List<String> scripts();
}
