package io.ratewarden.jmx;

/**
 * The JMX view of one {@code Ratewarden} instance, registered as
 * {@code io.ratewarden:type=Ratewarden,name="<instance name>"}. Every attribute is an open type,
 * readable in {@code jconsole} without Ratewarden's classes. Reading an attribute does no I/O.
 * Every attribute is read from {@code Ratewarden.metrics()}, and attributes read together in one
 * request ({@code getAttributes}, as {@code jconsole} refreshes) come from one snapshot.
 */
public interface RatewardenMXBean {

    /**
     * Returns the backend deciding calls now: {@code REDIS} or {@code IN_MEMORY}.
     *
     * @return the backend's name
     */
    String getBackend();

    /**
     * Returns whether the primary backend decides: {@code HEALTHY}, {@code CONNECTING} (Redis not
     * reached yet, nothing failed) or {@code FAILED}.
     *
     * @return the state's name
     */
    String getState();

    /**
     * Returns whether the primary backend is usable ({@code true} without Redis).
     *
     * @return whether healthy
     */
    boolean isHealthy();

    /**
     * Returns the Redis address with secrets masked, or {@code null} without Redis.
     *
     * @return the masked address
     */
    String getRedisUrl();

    /**
     * Returns when the current backend started deciding, ISO-8601 in UTC.
     *
     * @return the instant, as text
     */
    String getSince();

    /**
     * Returns how often the instance moved from Redis to memory.
     *
     * @return the failovers
     */
    long getFailovers();

    /**
     * Returns how often the instance moved back from memory to Redis.
     *
     * @return the recoveries
     */
    long getRecoveries();

    /**
     * Returns the last Redis failure, masked, or {@code null}.
     *
     * @return the last error
     */
    String getLastError();

    /**
     * Returns the last measured Redis round trip in milliseconds, or -1 when none was measured.
     *
     * @return the latency in milliseconds
     */
    double getRedisLatencyMillis();

    /**
     * Returns the number of keys the in-memory limiter holds (an estimate).
     *
     * @return the local keys
     */
    long getLocalKeys();

    /**
     * Returns the calls granted by all limits of the instance.
     *
     * @return the permitted calls
     */
    long getPermitted();

    /**
     * Returns the calls rejected by all limits of the instance.
     *
     * @return the rejected calls
     */
    long getRejected();

    /**
     * Returns the calls decided while Redis could not decide (by the in-memory limiter or a
     * fail-open or fail-closed policy); 0 without Redis.
     *
     * @return the fallback decisions
     */
    long getFallbackDecisions();

    /**
     * Returns the calls rejected by the over-limit cache: rejected on this instance without a
     * round trip because Redis had rejected the key and said when it would have room again. Such
     * rejections are Redis's verdict and are counted in {@link #getRejected()} too; 0 without
     * Redis or with the cache turned off.
     *
     * @return the cached rejections
     */
    long getCachedRejections();

    /**
     * Returns {@link #getCachedRejections()}: the attribute's name until 0.1.0.
     *
     * @return the cached rejections
     * @deprecated read {@code CachedRejections}; this attribute goes in a later release
     */
    @Deprecated(since = "0.1.0", forRemoval = true)
    default long getCachedRefusals() {
        return getCachedRejections();
    }

    /**
     * Returns the answers Redis gave to calls for permits; 0 without Redis.
     *
     * @return the answers
     */
    long getRedisCalls();

    /**
     * Returns how many consecutive successful probes the next recovery from a Redis outage takes.
     * It starts at 2 and doubles (up to 32) with each failover that follows a recovery within a
     * minute, and returns to 2 after a failover that follows a calm minute; 0 without Redis.
     *
     * @return the probes to recover
     */
    int getProbesToRecover();

    /**
     * Probes Redis now and returns whether it decides afterwards. Blocks at most for the Redis
     * timeout.
     *
     * @return whether healthy after the probe
     */
    boolean probe();
}
