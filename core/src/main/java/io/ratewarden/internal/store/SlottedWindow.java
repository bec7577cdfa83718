package io.ratewarden.internal.store;

import io.ratewarden.Ticker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * The in-memory state of one key of a limit over {@value SlidingWindow#EXACT_UP_TO} permits:
 * grants counted in {@value #SLOTS} + 1 time slots.
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
 * <h2>Concurrency</h2>
 * A grant within the current slot is one compare-and-set on {@code word}, which packs a frozen
 * flag, the head slot's epoch and the head slot's count; the other slots' total
 * ({@code base}) only changes when the head moves on. A recorded grant within the current slot
 * is the same compare-and-set without the limit check. A grant that loses the compare-and-set
 * backs off briefly before it retries, and after a few losses takes the slow path. Moving on
 * (once per slot) and refusals (which compute a wait) take this window's monitor, a lock of this
 * key alone. (It was a spin lock of its own; with JMH from {@code benchmarks/run.sh}'s in-memory
 * benchmarks, the monitor measured the same on one thread and, on two threads sharing one limit,
 * 86.0 and 88.9 against 89.3 and 94.4 ns/op for the programmatic call, 88.4 and 102.9 against
 * 105.4 and 109.0 for the woven one (two runs), so the spin lock went.) To move on, the lock holder freezes the word (capturing the head count exactly), folds it into the
 * slots, publishes the new {@code base} and {@code headEnd}, then a new epoch with a count of 0.
 * A grant that read the word before the freeze and any field after it fails its
 * compare-and-set and retries; one that read the word after the new epoch sees the new base and
 * end. A grant is counted in the slot its compare-and-set hit, never earlier than the caller's
 * clock reading, so no window ever holds more than the permits. Limits above 2^47 permits per
 * window are treated as 2^47 in memory.
 */
final class SlottedWindow extends SlidingWindow {

    static final int SLOTS = 16;
    private static final int RING = SLOTS + 1;
    private static final long COUNT_MASK = (1L << 48) - 1;
    private static final long MAX_COUNT = 1L << 47;
    private static final long FROZEN = Long.MIN_VALUE;
    private static final long EPOCH_UNIT = 1L << 48;
    private static final long EPOCH_MASK = 0x7FFFL << 48;
    private static final int ATTEMPTS = 4;
    private static final int BACK_OFF_SPINS = 64;

    private static final VarHandle WORD;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            WORD = lookup.findVarHandle(SlottedWindow.class, "word", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long permits;
    private final long slotNanos;
    private final long[] counts = new long[RING]; // non-head slots; changed under the lock only

    private volatile long word;                      // frozen | epoch | head count
    private volatile long base;                      // sum of the non-head slots in the span
    private volatile long headEnd = Long.MIN_VALUE;  // end of the head slot, exclusive
    private volatile Refused refused;                // the last refusal, read before the lock
    private long headSlot = Long.MIN_VALUE;          // under the lock
    private int headIndex;                           // under the lock
    private long latest = Long.MIN_VALUE;            // under the lock
    private long countedBeforeHead;                  // under the lock: permits of past head slots

    private final long windowNanos;

    SlottedWindow(long permits, long windowNanos) {
        this.permits = Math.min(permits, MAX_COUNT);
        this.slotNanos = Math.max(1, windowNanos / SLOTS);
        this.windowNanos = windowNanos;
    }

    /**
     * Takes {@code n} permits if the span holds room for them.
     *
     * @return 0 when granted, else the nanoseconds until enough grants leave the span (at least 1)
     */
    @Override
    long tryAcquire(Ticker ticker, long n) {
        return tryAcquire(ticker, n, permits);
    }

    /** As {@link #tryAcquire(Ticker, long)}, admitting at most {@code cap} permits in the span. */
    @Override
    long tryAcquire(Ticker ticker, long n, long cap) {
        return tryAcquireAt(ticker.read(), n, cap);
    }

    /**
     * As {@link #tryAcquire(Ticker, long)}, for the window of a limit's shared key. The same steps
     * as {@link #decide}, written twice on purpose: the JIT profiles each method on its own, and
     * the first call of every new key takes the slow path, which in a shared profile would look
     * hot enough to be compiled into the shared key's path and make that path too large to
     * inline into its callers. Measured with JMH (two runs, 2 and 3 forks, Java 17, 2 cores):
     * calling {@code decide} here instead cost the programmatic shared call +1.2 and +3.4 ns
     * (35.7 to 36.9, 35.5 to 38.9 ns) and the woven one +2.9 and -1.1 ns: a small gain, kept.
     */
    @Override
    long tryAcquireShared(Ticker ticker, long n) {
        long read = ticker.read();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            long w = word;
            if (w < 0 || read >= headEnd || base + (w & COUNT_MASK) + n > permits) {
                break; // moving on, moved on, or full: the slow path decides
            }
            if (WORD.compareAndSet(this, w, w + n)) {
                return 0; // a refusal noted earlier is not cleared here: see Refused
            }
            if (attempt + 1 < ATTEMPTS) {
                backOff(attempt);
            }
        }
        return refusedOrSlow(read, n, permits);
    }

    private long decide(long read, long n, long limit) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            long w = word;
            if (w < 0 || read >= headEnd || base + (w & COUNT_MASK) + n > limit) {
                break; // moving on, moved on, or full: the slow path decides
            }
            if (WORD.compareAndSet(this, w, w + n)) {
                return 0; // a refusal noted earlier is not cleared here: see Refused
            }
            if (attempt + 1 < ATTEMPTS) {
                backOff(attempt);
            }
        }
        return refusedOrSlow(read, n, limit);
    }

    /**
     * Room was taken off the lock-free path: a refusal's retry time may now lie later. Not called
     * by a lock-free grant, which must stay one compare-and-set.
     */
    private void clearRefused() {
        if (refused != null) {
            refused = null;
        }
    }

    /** Before the lock: a refusal still in force answers without it. */
    private long refusedOrSlow(long read, long n, long limit) {
        Refused last = refused;
        long wait = last == null ? 0 : last.answers(read, n, limit);
        return wait > 0 ? wait : slowTryAcquire(read, n, limit);
    }

    /** As {@link #tryAcquire(Ticker, long, long)}, at a time the caller read already. */
    @Override
    long tryAcquireAt(long read, long n, long cap) {
        return decide(read, n, Math.min(cap, MAX_COUNT));
    }

    /**
     * Returns the permits counted in the span at {@code read}, leaving out its oldest slot, which may
     * reach back past the window: never more than the window ending at {@code read} holds.
     */
    @Override
    long heldInWindow(long read) {
        synchronized (this) {
            moveOn(read);
            return base - counts[ringIndex(headSlot - SLOTS)] + (word & COUNT_MASK);
        }
    }

    /**
     * After a lost compare-and-set: another thread just took permits here and holds the word's
     * cache line. Waiting a moment, longer after each loss, lets it finish its calls without the
     * line moving back and forth on every one. At most 448 spin-wait hints in all for one call
     * (about 11 µs on a CPU whose pause takes 24 ns), then the slow path.
     */
    private static void backOff(int attempt) {
        for (int spin = BACK_OFF_SPINS << attempt; spin > 0; spin--) {
            Thread.onSpinWait();
        }
    }

    /**
     * Counts {@code n} permits granted elsewhere (by Redis), whether or not they fit here: the
     * count may exceed the permits, and then refuses until enough of it has left the span. Within
     * the head slot, one compare-and-set as a grant; the lock only to move on (every call on
     * Redis records, so a lock per call would make many threads queue and spin on it).
     */
    @Override
    void record(Ticker ticker, long n) {
        long read = ticker.read();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            long w = word;
            if (w < 0 || read >= headEnd) {
                break; // moving on, or moved on: under the lock
            }
            if (WORD.compareAndSet(this, w, plusRecorded(w, n))) {
                clearRefused();
                return;
            }
        }
        synchronized (this) {
            moveOn(read);
            long w;
            do {
                w = word;
            } while (!WORD.compareAndSet(this, w, plusRecorded(w, n)));
            clearRefused();
        }
    }

    /** The word with {@code n} more in the head count, capped: a record may pass the permits. */
    private static long plusRecorded(long w, long n) {
        return (w & ~COUNT_MASK) | Math.min(MAX_COUNT, (w & COUNT_MASK) + n);
    }

    /**
     * Returns the permits counted since this window was created, granted or recorded; exact once
     * no call on this key is in flight. What a limit reports as granted on its shared key comes
     * from here, so that counting costs its grants nothing: an adder incremented per grant
     * instead measured 52.9 against 44.7 ns for the woven call and 42.1 against 35.5 ns for the
     * programmatic one (JMH, 2 forks, Java 17, 2 cores).
     */
    @Override
    long counted() {
        synchronized (this) {
            return countedBeforeHead + (word & COUNT_MASK); // never frozen outside the lock's holder
        }
    }

    private long slowTryAcquire(long read, long n, long limit) {
        synchronized (this) {
            long now = moveOn(read);
            while (true) {
                long w = word;
                long headCount = w & COUNT_MASK;
                if (base + headCount + n > limit) {
                    // The span may reach one slot past the window; the retry time never does.
                    long wait = Math.min(windowNanos, nanosUntilFree(base + headCount + n - limit, headCount, now));
                    refused = new Refused(now + wait, n, limit);
                    return wait;
                }
                if (WORD.compareAndSet(this, w, w + n)) {
                    clearRefused();
                    return 0;
                }
            }
        }
    }

    /**
     * Under the lock: moves the head on to the slot of the decision time, the later of the
     * caller's reading and the latest time used (so that grants stay in time order).
     */
    private long moveOn(long read) {
        long now = Math.max(read, latest);
        latest = now;
        if (now < headEnd) {
            return now;
        }
        long slot = Math.floorDiv(now, slotNanos);
        long frozen;
        long w;
        do {
            w = word;
            frozen = w | FROZEN;
        } while (!WORD.compareAndSet(this, w, frozen));
        long headCount = w & COUNT_MASK;
        countedBeforeHead += headCount;
        if (headSlot == Long.MIN_VALUE || slot - headSlot >= RING) {
            Arrays.fill(counts, 0);
        } else {
            counts[headIndex] = headCount;
            for (long s = headSlot + 1; s <= slot; s++) {
                counts[ringIndex(s)] = 0;
            }
        }
        headSlot = slot;
        headIndex = ringIndex(slot);
        long sum = 0;
        for (long value : counts) {
            sum += value;
        }
        base = sum;
        headEnd = (slot + 1) * slotNanos;
        word = ((w & EPOCH_MASK) + EPOCH_UNIT) & EPOCH_MASK; // new epoch, count 0, not frozen
        return now;
    }

    private long nanosUntilFree(long needed, long headCount, long now) {
        long freed = 0;
        for (long s = headSlot - SLOTS; s <= headSlot; s++) {
            freed += s == headSlot ? headCount : counts[ringIndex(s)];
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
