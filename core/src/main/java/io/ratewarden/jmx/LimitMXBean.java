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
}
