package io.ratewarden.test;

import io.ratewarden.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Ticker} that moves only when a test steps it: give it to
 * {@code RatewardenBuilder.ticker(...)} to test windows without waiting for them. This class is
 * thread-safe.
 */
public final class ManualTicker implements Ticker {

    private final AtomicLong nanos;

    /**
     * Creates a ticker that reads {@code start}.
     *
     * @param start the first reading, in nanoseconds
     */
    public ManualTicker(long start) {
        this.nanos = new AtomicLong(start);
    }

    /** Creates a ticker that reads one second. */
    public ManualTicker() {
        this(1_000_000_000L);
    }

    /** {@inheritDoc} The last reading set by the test. */
    @Override
    public long read() {
        return nanos.get();
    }

    /**
     * Moves the ticker forward.
     *
     * @param step how far, not negative
     */
    public void advance(Duration step) {
        advanceNanos(step.toNanos());
    }

    /**
     * Moves the ticker forward.
     *
     * @param step how far in nanoseconds, not negative
     */
    public void advanceNanos(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("a ticker does not go back: step " + step);
        }
        nanos.addAndGet(step);
    }
}
