package io.ratewarden;

/**
 * What a call gets when Redis cannot decide: Redis is unreachable, hung, out of memory or
 * read-only. When Redis is not configured, the in-memory store always decides and no policy
 * applies.
 */
public enum FailurePolicy {

    /** Use the policy the {@link Ratewarden} instance was built with. Only valid on annotations. */
    DEFAULT,

    /**
     * The in-memory limiter of this instance decides (the default), admitting this instance's
     * {@link FallbackShare} of each limit: by default the limit divided by the instances alive on
     * Redis just before it failed, so that together they stay near the limit rather than a
     * multiple of it ({@link RatewardenBuilder#fallbackShare(FallbackShare)}). Memory counted
     * this instance's grants on Redis, so it does not start from a full window.
     */
    FALLBACK_LOCAL,

    /** Every call is granted while Redis cannot decide (fail open). */
    ALLOW,

    /** Every call is rejected while Redis cannot decide (fail closed). */
    REJECT
}
