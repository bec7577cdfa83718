package io.ratewarden;

/**
 * How an instance keeps its buckets on Redis ({@link RatewardenBuilder#redisAlgorithm}). Both
 * decide each call in one round trip on the Redis server's clock, keep the same window contract
 * and follow a changed limit at once; they differ in what they store. Every instance on one Redis
 * and key prefix must use the same algorithm: the two layouts do not see each other's grants.
 */
public enum RedisAlgorithm {

    /**
     * Redisson's {@code RRateLimiter} layout (the default): a hash, a counter and a sorted set
     * holding one entry per grant in the window, exact at any limit, readable by Redisson's own
     * {@code RRateLimiter} on the same keys. Its memory grows with the grants in the window (about
     * 120 KB for a bucket holding 1,000).
     */
    RRATE_LIMITER,

    /**
     * Ratewarden's own layout: one string per bucket, at most about 700 bytes whatever the limit
     * and however many grants the window holds. Exact up to 64 permits; above, it never grants
     * more than the limit in any window and may reject up to a sixteenth of the window early, as
     * the in-memory limiter does.
     */
    COMPACT
}
