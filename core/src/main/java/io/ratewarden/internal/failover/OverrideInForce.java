package io.ratewarden.internal.failover;

import io.ratewarden.Limit;

/**
 * An override an instance applies, or a clear it heard of: the limit, the version of the write that
 * set it, and when it ends on this instance's monotonic clock. Two values are equal when they are
 * the same write.
 *
 * @param limit the override, or {@code null} for a clear
 * @param version the version of the write that set it (0 for one set on this instance alone)
 * @param deadlineNanos when it ends, a {@link System#nanoTime()} reading; {@link #NEVER} for never
 */
public record OverrideInForce(Limit limit, long version, long deadlineNanos) {

    /** The deadline of an override that does not end by itself. */
    public static final long NEVER = Long.MAX_VALUE;

    /**
     * Returns whether this is a clear rather than an override.
     *
     * @return {@code true} for a clear
     */
    public boolean cleared() {
        return limit == null;
    }
}
