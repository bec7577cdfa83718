package io.ratewarden;

/**
 * Whether a store's primary backend decides: what {@link StoreInfo#state()} reports. For an
 * instance on Redis, the primary backend is Redis; without Redis, it is memory, which is always
 * {@link #HEALTHY}.
 */
public enum StoreState {

    /**
     * Redis is configured but not reached yet, and nothing has failed: the first connection is
     * being made. Memory decides meanwhile ({@link RatewardenBuilder#startupWait} bounds how long
     * {@code build()} waits for this to end).
     */
    CONNECTING,

    /** The primary backend decides. */
    HEALTHY,

    /**
     * The primary backend cannot decide: it failed, before or after it was first reached. The
     * failure policy decides every call until it recovers; {@link StoreInfo#lastError()} says why.
     */
    FAILED
}
