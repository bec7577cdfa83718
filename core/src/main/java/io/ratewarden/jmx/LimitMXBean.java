package io.ratewarden.jmx;

/**
 * The JMX view of one named limit of a {@code Ratewarden} instance, registered as
 * {@code io.ratewarden:type=Limit,instance="<instance name>",name="<limit name>"}. Counters cover
 * all keys of the limit together; there is no per-key table.
 */
public interface LimitMXBean {

    /**
     * Returns the permits per window of the limit in force (an override's, else configuration's
     * over the code's).
     *
     * @return the permits
     */
    long getPermits();

    /**
     * Returns the window's length in milliseconds, of the limit in force.
     *
     * @return the window
     */
    long getWindowMillis();

    /**
     * Returns the override in force, as {@code "<permits> per <ISO-8601 window>"}, or
     * {@code null} when there is none.
     *
     * @return the override, or {@code null}
     */
    String getOverride();

    /**
     * Returns whether the limit is in shadow mode: it rejects nothing and counts what it would
     * have rejected.
     *
     * @return whether in shadow mode
     */
    boolean isShadow();

    /**
     * Returns the calls the limit let through in shadow mode that it would have rejected.
     *
     * @return the calls it would have rejected
     */
    long getShadowRejected();

    /**
     * Returns the permitted calls that left at most a fifth of the limit's permits in their
     * bucket: a key nearing its limit before it is refused.
     *
     * @return the calls permitted near the limit
     */
    long getNearLimit();

    /**
     * Returns the calls rejected because Redis could not decide them in time (the {@code REJECT}
     * failure policy), which {@link #getRejected()} does not count: the limit was not the cause.
     *
     * @return the calls rejected for a store failure
     */
    long getStoreFailureRejected();

    /**
     * Returns the calls this limit granted.
     *
     * @return the permitted calls
     */
    long getPermitted();

    /**
     * Returns the calls this limit rejected.
     *
     * @return the rejected calls
     */
    long getRejected();

    /**
     * Returns the permits a call for {@code key} could take now, without taking any (one round
     * trip on Redis, none in memory).
     *
     * @param key the caller's key, {@code ""} for the limit's one keyless bucket
     * @return the permits remaining
     */
    long remaining(String key);

    /**
     * Forgets every grant of {@code key}, so that its next call finds the whole limit: on Redis,
     * in this instance's memory and in its over-limit cache.
     *
     * @param key the caller's key, {@code ""} for the limit's one keyless bucket
     * @throws IllegalStateException if Redis could not be reached (the key was reset in this
     *     instance's memory only)
     */
    void reset(String key);

    /**
     * Overrides the limit: {@code permits} per {@code windowMillis} from now on, for every key
     * (on Redis, on every instance within two probe intervals), until {@link #clearOverride()}.
     *
     * @param permits the permits per window, at least 1
     * @param windowMillis the window in milliseconds, at least 1
     * @throws IllegalStateException if Redis did not store the override: the message says whether
     *     nothing changed or the outcome is unknown
     */
    void override(long permits, long windowMillis);

    /**
     * Overrides the limit for {@code expiryMillis}, as {@link #override(long, long)} does: then the
     * configured limit is in force again, on every instance, by itself.
     *
     * @param permits the permits per window, at least 1
     * @param windowMillis the window in milliseconds, at least 1
     * @param expiryMillis how long the override lasts, in milliseconds, at least 1
     * @throws IllegalStateException if Redis did not store the override
     */
    void override(long permits, long windowMillis, long expiryMillis);

    /**
     * Removes the override: the configured limit is in force again.
     *
     * @throws IllegalStateException if Redis could not be reached
     */
    void clearOverride();

    /**
     * Overrides one tier's limit, as {@link #override(long, long)} does the limit's own.
     *
     * @param tier the tier's name
     * @param permits the permits per window, at least 1
     * @param windowMillis the window in milliseconds, at least 1
     * @throws IllegalStateException if Redis did not store the override
     */
    void overrideTier(String tier, long permits, long windowMillis);

    /**
     * Overrides one tier's limit for {@code expiryMillis}, as {@link #override(long, long, long)}
     * does the limit's own.
     *
     * @param tier the tier's name
     * @param permits the permits per window, at least 1
     * @param windowMillis the window in milliseconds, at least 1
     * @param expiryMillis how long the override lasts, in milliseconds, at least 1
     * @throws IllegalStateException if Redis did not store the override
     */
    void overrideTier(String tier, long permits, long windowMillis, long expiryMillis);

    /**
     * Removes one tier's override.
     *
     * @param tier the tier's name
     * @throws IllegalStateException if Redis could not be reached
     */
    void clearTierOverride(String tier);
}
