package io.ratewarden.internal.window;

import io.ratewarden.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A ticker that moves only when a test steps it. */
public final class ManualTicker implements Ticker {

    private final AtomicLong nanos;

    public ManualTicker(long start) {
        this.nanos = new AtomicLong(start);
    }

    public ManualTicker() {
        this(1_000_000_000L);
    }

    @Override
    public long read() {
        return nanos.get();
    }

    public void advance(Duration step) {
        nanos.addAndGet(step.toNanos());
    }

    public void advanceNanos(long step) {
        nanos.addAndGet(step);
    }
}
