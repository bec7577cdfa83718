package io.ratewarden.internal.store;

import io.ratewarden.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A ticker that moves only when a test steps it. */
final class ManualTicker implements Ticker {

    private final AtomicLong nanos;

    ManualTicker(long start) {
        this.nanos = new AtomicLong(start);
    }

    ManualTicker() {
        this(1_000_000_000L);
    }

    @Override
    public long read() {
        return nanos.get();
    }

    void advance(Duration step) {
        nanos.addAndGet(step.toNanos());
    }

    void advanceNanos(long step) {
        nanos.addAndGet(step);
    }
}
