package io.ratewarden.benchmarks;

import io.ratewarden.RateLimited;
import java.util.concurrent.TimeUnit;

/** Methods woven by the aspect jar at build time, and one that is not limited (the baseline). */
public class Targets {

    /** Permits no benchmark run can exhaust. */
    static final long PLENTY = 1_000_000_000_000_000L;

    /**
     * The baseline: the same body, not limited.
     *
     * @param x any number
     * @return {@code x + 1}
     */
    public long unlimited(long x) {
        return x + 1;
    }

    /**
     * Limited without key, with permits no run exhausts.
     *
     * @param x any number
     * @return {@code x + 1}
     */
    @RateLimited(name = "woven-no-key", permits = PLENTY, window = 1, unit = TimeUnit.HOURS)
    public long noKey(long x) {
        return x + 1;
    }

    /**
     * Limited per key taken from the argument.
     *
     * @param user the key
     * @return its length
     */
    @RateLimited(name = "woven-keyed", permits = PLENTY, window = 1, unit = TimeUnit.HOURS, key = "#user")
    public long keyed(String user) {
        return user.length();
    }

    /**
     * Limited without key to one call per hour: every call after the first is rejected.
     *
     * @param x any number
     * @return {@code x + 1}
     */
    @RateLimited(name = "woven-no-key-rejecting", permits = 1, window = 1, unit = TimeUnit.HOURS)
    public long noKeyRejecting(long x) {
        return x + 1;
    }

    /**
     * Limited per key to one call per hour.
     *
     * @param user the key
     * @return its length
     */
    @RateLimited(name = "woven-keyed-rejecting", permits = 1, window = 1, unit = TimeUnit.HOURS, key = "#user")
    public long keyedRejecting(String user) {
        return user.length();
    }

    /**
     * Limited without key, with a fallback, with permits no run exhausts.
     *
     * @param x any number
     * @return {@code x + 1}
     */
    @RateLimited(name = "woven-fallback", permits = PLENTY, window = 1, unit = TimeUnit.HOURS,
            fallbackMethod = "rejectedAnswer")
    public long withFallback(long x) {
        return x + 1;
    }

    /**
     * Limited without key to one call per hour, with a fallback: every call after the first is
     * answered by the fallback.
     *
     * @param x any number
     * @return {@code x + 1}
     */
    @RateLimited(name = "woven-fallback-rejecting", permits = 1, window = 1, unit = TimeUnit.HOURS,
            fallbackMethod = "rejectedAnswer")
    public long withFallbackRejecting(long x) {
        return x + 1;
    }

    long rejectedAnswer(long x) {
        return -x;
    }

    /**
     * Limited without key, for the Redis benchmarks: a one-second window, as the raw limiter's.
     *
     * @param x any number
     * @return {@code x + 1}
     */
    @RateLimited(name = "woven-redis", permits = 1_000_000_000L, window = 1, unit = TimeUnit.SECONDS)
    public long onRedis(long x) {
        return x + 1;
    }
}
