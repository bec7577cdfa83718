package io.ratewarden.jmx;

/**
 * The JMX view of one named limit of a {@code Ratewarden} instance, registered as
 * {@code io.ratewarden:type=Limit,instance="<instance name>",name="<limit name>"}. Counters cover
 * all keys of the limit together; there is no per-key table.
 */
public interface LimitMXBean {

    /**
     * Returns the permits per window.
     *
     * @return the permits
     */
    long getPermits();

    /**
     * Returns the window's length in milliseconds.
     *
     * @return the window
     */
    long getWindowMillis();

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
     * @param key the caller's key, {@code ""} for the limit's one shared bucket
     * @return the permits remaining
     */
    long remaining(String key);

    /**
     * Forgets every grant of {@code key}, so that its next call finds the whole limit: on Redis,
     * in this instance's memory and in its over-limit cache.
     *
     * @param key the caller's key, {@code ""} for the limit's one shared bucket
     * @throws IllegalStateException if Redis could not be reached (the key was reset in this
     *     instance's memory only)
     */
    void reset(String key);
}
