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
     * The in-memory limiter of this instance decides (the default). Each instance then enforces
     * the limit on its own.
     */
    FALLBACK_LOCAL,

    /** Every call is granted while Redis cannot decide (fail open). */
    ALLOW,

    /** Every call is rejected while Redis cannot decide (fail closed). */
    REJECT
}
