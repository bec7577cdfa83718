package io.ratewarden;

/**
 * A source of nanosecond time for the in-memory limiter, so that tests can step time instead of
 * sleeping. Only differences between two readings are meaningful.
 *
 * <p>Implementations must be thread-safe and must never go backwards.
 */
@FunctionalInterface
public interface Ticker {

    /**
     * Returns the current reading in nanoseconds.
     *
     * @return a monotonic nanosecond reading
     */
    long read();

    /**
     * Returns the ticker backed by {@link System#nanoTime()}.
     *
     * @return the system ticker
     */
    static Ticker systemTicker() {
        return System::nanoTime;
    }
}
