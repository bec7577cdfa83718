package io.ratewarden.store;

import io.ratewarden.Ticker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The in-memory state of one key: grants counted in {@value #SLOTS} + 1 time slots.
 *
 * <h2>Design</h2>
 * An exact sliding-window log needs one timestamp per grant, so its memory grows with the
 * limit's permits. This counter keeps a fixed number of slots instead: the window of length
 * {@code W} is cut into {@value #SLOTS} slots of {@code W / SLOTS}, and a request at time
 * {@code t} in slot {@code h} counts every grant in slots {@code h - SLOTS .. h}. That span
 * always contains the sliding window {@code (t - W, t]}, so the count never underestimates:
 * no window of length {@code W} ever holds more than {@code permits} grants. The price is that
 * the span may reach back up to one slot further than {@code W}: a grant can be refused up to
 * {@code W / SLOTS} earlier than an exact log would refuse it (at least 16/17 ≈ 94 % of the
 * limit in steady state). Memory per key is constant whatever {@code permits} is.
 *
 * <p>The clock is read before the lock, and a decision uses the later of that reading and the
 * latest time already used, so grants are counted in time order. The lock is a spin lock of this
 * key alone (the critical section is a few additions; a waiter spins, then yields), never
 * shared across keys. A call within the current slot does no division.
 */
final class SlidingWindow {

    static final int SLOTS = 16;
    private static final int RING = SLOTS + 1;

    private final long permits;

    private final long slotNanos;
    private final long[] counts = new long[RING];
    private volatile int locked;
    private long latest = Long.MIN_VALUE;
    private long headSlot = Long.MIN_VALUE;
    private long headEnd = Long.MIN_VALUE;
    private int headIndex;
    private long total;

    private static final VarHandle LOCKED;

    static {
        try {
            LOCKED = MethodHandles.lookup().findVarHandle(SlidingWindow.class, "locked", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    SlidingWindow(long permits, long windowNanos) {
        this.permits = permits;
        this.slotNanos = Math.max(1, windowNanos / SLOTS);
    }

    /**
     * Takes {@code n} permits if the span holds room for them.
     *
     * @return 0 when granted, else the nanoseconds until enough grants leave the span (at least 1)
     */
    long tryAcquire(Ticker ticker, long n) {
        return tryAcquire(ticker, n, permits);
    }

    /** As {@link #tryAcquire(Ticker, long)}, admitting at most {@code cap} permits in the span. */
    long tryAcquire(Ticker ticker, long n, long cap) {
        long read = ticker.read();
        lock();
        try {
            long now = effectiveTime(read);
            if (total + n <= cap) {
                counts[headIndex] += n;
                total += n;
                return 0;
            }
            return nanosUntilFree(total + n - cap, now);
        } finally {
            unlock();
        }
    }

    /**
     * Counts {@code n} permits granted elsewhere (by Redis), whether or not they fit here: the
     * count may exceed the permits, and then refuses until enough of it has left the span.
     */
    void record(Ticker ticker, long n) {
        long read = ticker.read();
        lock();
        try {
            effectiveTime(read);
            counts[headIndex] += n;
            total += n;
        } finally {
            unlock();
        }
    }

    /**
     * The time a decision is taken at: the clock read just before the lock, or the latest time
     * already used if another thread read a later one first, so that grants are counted in the
     * order of their times. It lies between the caller's reading and the moment it decides.
     */
    private long effectiveTime(long read) {
        long now = Math.max(read, latest);
        latest = now;
        if (now >= headEnd) {
            advanceTo(Math.floorDiv(now, slotNanos));
        }
        return now;
    }

    private void lock() {
        if (LOCKED.compareAndSet(this, 0, 1)) {
            return;
        }
        int spins = 0;
        do {
            if (++spins < 64) {
                Thread.onSpinWait();
            } else {
                Thread.yield(); // the holder may be descheduled: more threads than cores
            }
        } while (locked != 0 || !LOCKED.compareAndSet(this, 0, 1));
    }

    private void unlock() {
        LOCKED.setRelease(this, 0);
    }

    private void advanceTo(long slot) {
        if (slot <= headSlot) {
            return;
        }
        if (headSlot == Long.MIN_VALUE || slot - headSlot >= RING) {
            Arrays.fill(counts, 0);
            total = 0;
        } else {
            for (long s = headSlot + 1; s <= slot; s++) {
                int i = ringIndex(s);
                total -= counts[i];
                counts[i] = 0;
            }
        }
        headSlot = slot;
        headIndex = ringIndex(slot);
        headEnd = (slot + 1) * slotNanos;
    }

    private long nanosUntilFree(long needed, long now) {
        long freed = 0;
        for (long s = headSlot - SLOTS; s <= headSlot; s++) {
            freed += counts[ringIndex(s)];
            if (freed >= needed) {
                // slot s leaves the span when the head reaches s + RING
                long leavesAt = (s + RING) * slotNanos;
                return Math.max(1, leavesAt - now);
            }
        }
        return (long) RING * slotNanos;
    }

    private static int ringIndex(long slot) {
        return (int) Math.floorMod(slot, (long) RING);
    }
}
