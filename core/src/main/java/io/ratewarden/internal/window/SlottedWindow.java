package io.ratewarden.internal.window;

import io.ratewarden.Limit;
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
 * the span may reach back up to one slot further than {@code W}: a grant can be rejected up to
 * {@code W / SLOTS} earlier than an exact log would reject it (at least 16/17 ≈ 94 % of the
 * limit in steady state). Memory per key is constant whatever {@code permits} is.
 *
 * <h2>Concurrency</h2>
 * A grant within the current slot is one compare-and-set on {@code word}, which packs a frozen
 * flag, the head slot's epoch and the head slot's count; the other slots' total
 * ({@code base}) only changes when the head moves on. A recorded grant within the current slot
 * is the same compare-and-set without the limit check. A grant that loses the compare-and-set
 * backs off briefly before it retries, and after a few losses takes the slow path: under
 * contention, spinning on the word's cache line costs every thread more than a short pause.
 * Moving on (once per slot), rejections (which compute a wait), clearing and retiring take this
 * window's monitor, a lock of this key alone. To move on, the lock holder freezes the word
 * (capturing the head count exactly), folds it into the slots, publishes the new {@code base}
 * and {@code headEnd}, then a new epoch with a count of 0. A grant that read the word before the
 * freeze and any field after it fails its compare-and-set and retries; one that read the word
 * after the new epoch sees the new base and end. A grant is counted in the slot its
 * compare-and-set hit, never earlier than the caller's clock reading, so no window ever holds
 * more than the permits. A retired window stays frozen, so every grant takes the slow path and
 * learns it is retired.
 *
 * <h2>Large counts</h2>
 * The word holds a head count up to 2^47. A grant or record that would take it past that (only
 * limits above 2^47 permits see one) moves the head count, under the lock, into
 * {@code headOverflow}, which {@code base} includes, and starts a new epoch at 0: a grant that read
 * the word before then fails its compare-and-set, as when the head moves on. Limits up to
 * {@link io.ratewarden.Limit#MAX_PERMITS} are counted exactly.
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
    private final long windowNanos;
    private final long[] counts = new long[RING]; // non-head slots; changed under the lock only

    private volatile long word;                      // frozen | epoch | head count
    private volatile long base;                      // sum of the non-head slots in the span
    private volatile long headEnd = Long.MIN_VALUE;  // end of the head slot, exclusive
    private volatile StandingRejection standing;     // the last rejection, read before the lock
    private long headSlot = Long.MIN_VALUE;          // under the lock
    private int headIndex;                           // under the lock
    private long latest = Long.MIN_VALUE;            // under the lock
    private long countedBeforeHead;                  // under the lock: permits of past head slots
    private long headOverflow;                       // under the lock: head permits beyond the word's
    private SlidingWindow successor;                 // under the lock: set once retired

    SlottedWindow(Limit limit) {
        super(limit);
        this.permits = limit.permits();
        this.windowNanos = limit.window().toNanos();
        this.slotNanos = Math.max(1, (windowNanos + SLOTS - 1) / SLOTS); // 16 slots never span less than W
    }

    @Override
    long tryAcquire(WindowClock clock, long n, long cap) {
        long read = clock.read();
        long margin = clock.margin();
        long limit = Math.min(cap, permits);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            long w = word;
            long used = base + (w & COUNT_MASK) + n; // the base as of this epoch: a new one fails the CAS
            if (w < 0 || pastHead(read, margin) || used > limit || (w & COUNT_MASK) + n > MAX_COUNT) {
                break; // moving on, moved on, retired, full or a large count: the slow path decides
            }
            if (WORD.compareAndSet(this, w, w + n)) {
                return granted(used); // a rejection noted earlier is not cleared here: see StandingRejection
            }
            if (attempt + 1 < ATTEMPTS) {
                backOff(attempt);
            }
        }
        StandingRejection last = standing; // before the lock: a rejection still in force answers without it
        long wait = last == null ? 0 : last.answers(read, n, limit);
        return wait > 0 ? wait : slowTryAcquire(margin == 0 ? read : clock.exact(), n, limit);
    }

    /**
     * Whether the true time may have left the head slot: {@code read} is a lower bound of it and
     * {@code margin} how far past it the true time may be. A grant is counted in the head slot
     * only when it is not, so never in a slot earlier than its true time's.
     */
    private boolean pastHead(long read, long margin) {
        long end = headEnd;
        return read >= end || end - read <= margin;
    }

    /**
     * Room was taken off the lock-free path: a rejection's retry time may now lie later. Not called
     * by a lock-free grant, which must stay one compare-and-set.
     */
    private void clearStanding() {
        if (standing != null) {
            standing = null;
        }
    }

    /**
     * Returns the permits counted in the span at {@code read}, leaving out its oldest slot, which may
     * reach back past the window: never more than the window ending at {@code read} holds.
     */
    @Override
    public long heldInWindow(long read) {
        synchronized (this) {
            if (successor != null) {
                return successor.heldInWindow(read);
            }
            moveOn(read);
            return base - counts[ringIndex(headSlot - SLOTS)] + (word & COUNT_MASK);
        }
    }

    @Override
    long available(long read) {
        synchronized (this) {
            if (successor != null) {
                return successor.available(read);
            }
            moveOn(read);
            return Math.max(0, permits - base - (word & COUNT_MASK));
        }
    }

    /**
     * After a lost compare-and-set: another thread just took permits here and holds the word's
     * cache line. Waiting a moment, longer after each loss, lets it finish its calls without the
     * line moving back and forth on every one; at most 448 spin-wait hints in all for one call,
     * then the slow path.
     */
    private static void backOff(int attempt) {
        for (int spin = BACK_OFF_SPINS << attempt; spin > 0; spin--) {
            Thread.onSpinWait();
        }
    }

    /**
     * Counts {@code n} permits granted elsewhere (by Redis), whether or not they fit here: the
     * count may exceed the permits, and then rejects until enough of it has left the span. Within
     * the head slot, one compare-and-set as a grant; the lock only to move on (every call on
     * Redis records, so a lock per call would make many threads queue and spin on it).
     */
    @Override
    boolean record(WindowClock clock, long n) {
        long read = clock.read();
        long margin = clock.margin();
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            long w = word;
            if (w < 0 || pastHead(read, margin) || (w & COUNT_MASK) + n > MAX_COUNT) {
                break; // moving on, moved on, retired or a large count: under the lock
            }
            if (WORD.compareAndSet(this, w, w + n)) {
                clearStanding();
                return true;
            }
        }
        long now = margin == 0 ? read : clock.exact();
        synchronized (this) {
            if (successor != null) {
                return false;
            }
            moveOn(now);
            addToHead(n);
            return true;
        }
    }

    /**
     * Under the lock, the word not frozen: adds {@code n} to the head count (a record may pass the
     * permits), past the word's capacity into the overflow.
     */
    private void addToHead(long n) {
        long w;
        do {
            w = word;
            if ((w & COUNT_MASK) + n > MAX_COUNT) {
                overflow(n);
                return;
            }
        } while (!WORD.compareAndSet(this, w, w + n));
        clearStanding();
    }

    /**
     * Under the lock: moves the head count and {@code n} more into {@code headOverflow}, and starts
     * a new epoch at 0, so that a grant that read the old word (and maybe the old base) fails.
     */
    private void overflow(long n) {
        long moved = freeze() + n;
        headOverflow += moved;
        base += moved;
        word = nextEpoch(word);
        clearStanding();
    }

    /**
     * Under the lock: with the word frozen (no grant changes it meanwhile), moves the head count
     * into {@code headOverflow}, with {@code n} more when they fit {@code limit}; starts a new epoch
     * at 0 either way.
     *
     * @return whether the {@code n} permits were granted
     */
    private boolean overflowIfRoom(long n, long limit) {
        long frozen = freeze();
        boolean fits = base + frozen + n <= limit;
        long moved = frozen + (fits ? n : 0);
        headOverflow += moved;
        base += moved;
        word = nextEpoch(word);
        clearStanding();
        return fits;
    }

    /**
     * Returns the permits counted here, granted or recorded; exact once no call on this key is in
     * flight. What a limit reports as granted on its empty key comes from here, so that counting
     * costs its grants nothing.
     */
    @Override
    long countedHere() {
        synchronized (this) {
            return countedBeforeHead + headOverflow + (word & COUNT_MASK); // never frozen outside the lock's holder
        }
    }

    /**
     * Takes the permits out of the head slot first (its word, then its overflow), then out of the
     * slots before it, latest first. Under the lock, with the word frozen and a new epoch after,
     * so that a lock-free grant that read the old word or base fails and retries.
     */
    @Override
    long giveBack(WindowClock clock, long n) {
        synchronized (this) {
            if (successor != null) {
                return successor.giveBack(clock, n);
            }
            if (headSlot == Long.MIN_VALUE) {
                return 0;
            }
            moveOn(clock.exact());
            long headCount = freeze();
            long fromWord = Math.min(n, headCount);
            long fromOverflow = Math.min(n - fromWord, headOverflow);
            headOverflow -= fromOverflow;
            long fromSlots = 0;
            for (long s = headSlot - 1; s >= headSlot - SLOTS && fromWord + fromOverflow + fromSlots < n; s--) {
                int index = ringIndex(s);
                long taken = Math.min(n - fromWord - fromOverflow - fromSlots, counts[index]);
                counts[index] -= taken;
                fromSlots += taken;
            }
            base -= fromOverflow + fromSlots;
            countedBeforeHead += fromWord + fromOverflow; // what countedHere() says stays
            standing = null;
            word = nextEpoch(word) + (headCount - fromWord);
            return fromWord + fromOverflow + fromSlots;
        }
    }

    @Override
    void clear() {
        synchronized (this) {
            if (successor != null) {
                successor.clear();
                return;
            }
            long headCount = freeze() + headOverflow;
            countedBeforeHead += headCount;
            headOverflow = 0;
            Arrays.fill(counts, 0);
            base = 0;
            standing = null;
            word = nextEpoch(word);
        }
    }

    @Override
    SlidingWindow retireInto(Limit newLimit, long read, Successors successors) {
        synchronized (this) {
            if (successor == null) {
                // Frozen it stays: every grant now takes the slow path. The word keeps the head
                // count, which countedHere() reads; grants() reads it from counts.
                counts[headIndex] = freeze() + headOverflow;
                headOverflow = 0;
                successor = successors.of(this, newLimit, read);
                standing = null;
            }
            return successor;
        }
    }

    /**
     * The grants of the slots in the span, each slot's dated at its last nanosecond (never after
     * {@code latest}): a grant is never taken to be older than it is. Under the lock, with the
     * head count folded into {@code counts} by the caller.
     */
    @Override
    long[] grants(long read) {
        if (headSlot == Long.MIN_VALUE) {
            return new long[0];
        }
        long[] grants = new long[2 * RING];
        int size = 0;
        for (long s = headSlot - SLOTS; s <= headSlot; s++) {
            long count = counts[ringIndex(s)];
            if (count > 0) {
                grants[size++] = Math.min((s + 1) * slotNanos - 1, latest);
                grants[size++] = count;
            }
        }
        return Arrays.copyOf(grants, size);
    }

    @Override
    void absorb(long time, long count) {
        moveOn(time);
        addToHead(count);
    }

    private long slowTryAcquire(long read, long n, long limit) {
        synchronized (this) {
            if (successor != null) {
                return RETIRED;
            }
            long now = moveOn(read);
            while (true) {
                long w = word;
                long headCount = w & COUNT_MASK;
                if (base + headCount + n > limit) {
                    // The span may reach one slot past the window; the retry time never does.
                    long wait = Math.min(windowNanos,
                            nanosUntilFree(base + headCount + n - limit, headCount + headOverflow, now));
                    standing = new StandingRejection(now + wait, n, limit);
                    return wait;
                }
                if (headCount + n > MAX_COUNT) {
                    if (overflowIfRoom(n, limit)) {
                        return granted(base);
                    }
                    continue; // the head count moved to the overflow; the check above rejects
                }
                if (WORD.compareAndSet(this, w, w + n)) {
                    clearStanding();
                    return granted(base + headCount + n);
                }
            }
        }
    }

    /** Under the lock: sets the frozen flag and returns the head count it froze. */
    private long freeze() {
        long w;
        do {
            w = word;
        } while (!WORD.compareAndSet(this, w, w | FROZEN));
        return w & COUNT_MASK;
    }

    /** A word of the epoch after {@code w}'s, with a count of 0, not frozen. */
    private static long nextEpoch(long w) {
        return ((w & EPOCH_MASK) + EPOCH_UNIT) & EPOCH_MASK;
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
        long headCount = freeze() + headOverflow;
        headOverflow = 0;
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
        word = nextEpoch(word); // new epoch, count 0, not frozen
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
