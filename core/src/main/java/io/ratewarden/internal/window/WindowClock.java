package io.ratewarden.internal.window;

import io.ratewarden.Ticker;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The time of one in-memory store's windows, as three readings:
 * <ul>
 *   <li>{@link #read()}, a lower bound of the current time: a coarse clock's field, or the
 *       ticker;</li>
 *   <li>{@link #margin()}, how far past {@link #read()} the true time may be (0 when reads are
 *       exact);</li>
 *   <li>{@link #exact()}, the ticker itself.</li>
 * </ul>
 * A window never grants early because it uses each where it is safe: a rejection standing until
 * a time is checked with the lower bound (a call may be rejected up to one beat after room
 * appeared, never granted before); a lock-free grant is counted in the current slot only while
 * the lower bound plus the margin is still inside it; a grant stamped with a time (the exact log,
 * a slot moving on) reads {@link #exact()}. A store with {@link Duration#ZERO} granularity, or a
 * {@link Ticker} of its own (tests), reads the ticker every time. This class is thread-safe.
 */
public final class WindowClock implements AutoCloseable {

    private final Ticker ticker;
    private final CoarseTicker coarse; // null: every read is exact
    private final AtomicBoolean closed = new AtomicBoolean();

    private WindowClock(Ticker ticker, CoarseTicker coarse) {
        this.ticker = ticker;
        this.coarse = coarse;
    }

    /**
     * A clock that reads {@code ticker} every time.
     *
     * @param ticker the time source, never {@code null}
     * @return the clock
     */
    public static WindowClock exact(Ticker ticker) {
        return new WindowClock(Objects.requireNonNull(ticker, "ticker"), null);
    }

    /**
     * A clock of {@code granularity} over {@link System#nanoTime()}: exact when it is
     * {@link Duration#ZERO}, else the JVM's shared coarse clock of that beat, held until
     * {@link #close()}.
     *
     * @param granularity the beat, zero or positive
     * @return the clock
     */
    public static WindowClock of(Duration granularity) {
        if (granularity.isZero()) {
            return exact(Ticker.systemTicker());
        }
        return new WindowClock(Ticker.systemTicker(), CoarseTicker.acquire(granularity.toNanos()));
    }

    /** A lower bound of the current time, in nanoseconds; may be up to {@link #margin()} behind. */
    long read() {
        CoarseTicker source = coarse;
        return source != null ? source.read() : ticker.read();
    }

    /** How far the true time may be past {@link #read()}, in nanoseconds; 0 for an exact clock. */
    long margin() {
        CoarseTicker source = coarse;
        return source != null ? source.margin() : 0;
    }

    /**
     * Returns the current time, exact.
     *
     * @return a nanosecond reading of the ticker
     */
    public long exact() {
        return ticker.read();
    }

    /**
     * Returns the beat of the coarse clock read, {@link Duration#ZERO} when every read is exact.
     *
     * @return the granularity
     */
    public Duration granularity() {
        return coarse == null ? Duration.ZERO : Duration.ofNanos(coarse.granularity());
    }

    /** Releases the coarse clock, whose thread stops with its last holder; later calls do nothing. */
    @Override
    public void close() {
        if (coarse != null && !closed.getAndSet(true)) {
            coarse.release();
        }
    }
}
