package io.ratewarden.redis.internal;

import io.ratewarden.store.LimitKey;
import java.util.List;
import org.redisson.api.RFuture;

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

    /**
     * Decides the calls of {@code costs} on {@code key} in one round trip, in that order, each on
     * what the one before left, as {@link #decide} decides one: a coalesced batch. Sends at once and
     * does not wait.
     *
     * @param costs the calls' costs, at least one
     * @param seed as for {@link #decide}, applied before the first call
     * @return the answer's text: one result per call as {@link #decide} returns it, comma-separated,
     *     then {@code " s"} when the bucket was re-created from {@code seed}
     */
    RFuture<String> decideAsync(LimitKey key, long[] costs, long seed);

    /**
     * Takes the permits of one call from several buckets in one round trip, all or none: the
     * buckets are decided in order, as {@link #decide} decides one, and when one of them rejects
     * the call, none keeps anything the call took. Only where the buckets' keys may go in one
     * script call (not on a Redis Cluster, whose keys lie in different slots).
     *
     * @param keys the buckets, in the call's order
     * @param costs each bucket's cost
     * @param seeds as for {@link #decide}, per bucket
     * @return one result per bucket decided, as {@link #decide} returns it: every bucket's when all
     *     granted, else up to and including the first rejection; {@code null} when this layout
     *     decides one bucket per round trip only (nothing was sent)
     */
    default long[] decideTogether(LimitKey[] keys, long[] costs, long[] seeds, long deadline) {
        return null;
    }

    /**
     * Returns whether {@link #decideTogether} decides several buckets in one round trip.
     *
     * @return {@code false} unless overridden
     */
    default boolean decidesTogether() {
        return false;
    }

    /**
     * Checks that this layout can take a call of {@code cost} on {@code key}, before the call is
     * queued or sent.
     *
     * @throws IllegalArgumentException naming the limit, when it cannot
     */
    default void checkCost(LimitKey key, long cost) {
    }

    /** The costs of a batch as its script reads them: comma-separated. */
    static String joined(long[] costs) {
        if (costs.length == 1) {
            return Long.toString(costs[0]);
        }
        StringBuilder text = new StringBuilder(costs.length * 3);
        for (int i = 0; i < costs.length; i++) {
            if (i > 0) {
                text.append(',');
            }
            text.append(costs[i]);
        }
        return text.toString();
    }

    /** Returns the permits a call on {@code key} could take now, without taking any. */
    long remaining(LimitKey key, long deadline);

    /**
     * Gives back up to {@code permits} of the latest permits {@code key} holds in its window, on the
     * Redis server's clock; never more than it holds.
     *
     * @return the permits given back
     */
    long refund(LimitKey key, long permits, long deadline);

    /** Forgets every grant of {@code key}, so that its next call finds the whole limit. */
    void reset(LimitKey key, long deadline);

    /** The Redis keys that hold {@code key}'s bucket, all in one cluster slot. */
    List<String> keysOf(LimitKey key);

    /**
     * The scripts that {@link #decide}, {@link #decideTogether}, {@link #remaining} and
     * {@link #refund} run, for loading into Redis's script cache before the first call needs them.
     */
    List<String> scripts();
}
