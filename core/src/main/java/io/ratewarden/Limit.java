package io.ratewarden;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * A rate limit: at most {@code permits} permits in any sliding {@code window}.
 *
 * @param permits permits per window, from 1 to {@link #MAX_PERMITS}
 * @param window the window's length, at least one millisecond and a whole number of
 *     milliseconds
 */
public record Limit(long permits, Duration window) implements Serializable {

    /**
     * The most permits a limit can have: 2<sup>53</sup> (9,007,199,254,740,992), the largest count
     * that every backend keeps exactly (Redis scripts count in IEEE doubles). A limit meant as
     * "unlimited" fits far below it; {@code Long.MAX_VALUE} does not, and is refused rather than
     * silently rounded.
     */
    public static final long MAX_PERMITS = 1L << 53;

    /**
     * Validates the limit.
     *
     * @throws IllegalArgumentException if {@code permits} is below 1 or above {@link #MAX_PERMITS},
     *     or {@code window} is shorter
     *     than a millisecond or not a whole number of milliseconds
     * @throws NullPointerException if {@code window} is {@code null}
     */
    public Limit {
        Objects.requireNonNull(window, "window");
        if (permits < 1) {
            throw new IllegalArgumentException("permits must be at least 1, was " + permits);
        }
        if (permits > MAX_PERMITS) {
            throw new IllegalArgumentException("permits must be at most 2^53 (" + MAX_PERMITS
                    + "), the most every backend counts exactly, was " + permits);
        }
        if (window.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("window must be at least 1 ms, was " + window);
        }
        if (window.toNanosPart() % 1_000_000 != 0) {
            throw new IllegalArgumentException(
                    "window must be a whole number of milliseconds, was " + window);
        }
    }

    /**
     * Returns a limit of {@code permits} per {@code window}.
     *
     * @param permits permits per window, at least 1
     * @param window the window's length, at least one millisecond
     * @return the limit
     */
    public static Limit of(long permits, Duration window) {
        return new Limit(permits, window);
    }

    /**
     * Returns the window's length in milliseconds.
     *
     * @return the window in milliseconds
     */
    public long windowMillis() {
        return window.toMillis();
    }

    /** Returns the limit as {@code "100 per PT1M"}. */
    @Override
    public String toString() {
        return permits + " per " + window;
    }
}
