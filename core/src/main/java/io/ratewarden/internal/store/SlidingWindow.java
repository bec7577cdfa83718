package io.ratewarden.internal.store;

import io.ratewarden.Ticker;

/**
 * The in-memory state of one key: how many permits its sliding window holds, and when it has
 * room again. Two representations, chosen by the limit's permits:
 * <ul>
 *   <li>up to {@value #EXACT_UP_TO} permits, {@link SlidingLog}: one timestamp per permit, exact
 *       (a call is granted as soon as the oldest grants that make room for it have left the
 *       window);</li>
 *   <li>above, {@link SlottedWindow}: a fixed number of time slots, so that memory does not grow
 *       with the permits; it never grants more than the permits in any window, and may refuse up
 *       to 1/16 of the window early.</li>
 * </ul>
 * Every wait returned is at least 1 ns and at most the window. Implementations are thread-safe
 * and take no lock shared with other keys.
 */
abstract sealed class SlidingWindow permits SlidingLog, SlottedWindow {

    /**
     * The last refusal: no room for {@code cost} permits under a cap of {@code cap} before
     * {@code until} (a ticker reading). Room only appears as time passes, so until then a
     * refusal stays true, and its retry time too as long as nothing takes permits meanwhile: a
     * flood of calls on a full key is refused with two volatile reads and no lock. (A larger cost
     * would be refused too, but later: it takes the locked path, which knows when.) The exact
     * {@link SlidingLog} clears it on every grant and record. The {@link SlottedWindow} clears it
     * on grants and records under its lock but not on a lock-free grant, which stays one
     * compare-and-set: after a smaller grant there, a refusal's retry time may come early, and
     * the call then made is refused with a new one (that window's retry time is approximate
     * anyway).
     */
    record Refused(long until, long cost, long cap) {

        /** The nanoseconds from {@code read} during which this refusal answers the call, or 0. */
        long answers(long read, long n, long callCap) {
            return read < until && n == cost && callCap == cap ? until - read : 0;
        }
    }

    /** The largest limit, in permits, decided by an exact log. */
    static final int EXACT_UP_TO = 64;

    /** The window for a limit of {@code permits} per {@code windowNanos}. */
    static SlidingWindow of(long permits, long windowNanos) {
        return permits <= EXACT_UP_TO ? new SlidingLog((int) permits, windowNanos)
                : new SlottedWindow(permits, windowNanos);
    }

    /**
     * Takes {@code n} permits if the window holds room for them.
     *
     * @return 0 when granted, else the nanoseconds until enough grants leave the window (at least 1)
     */
    abstract long tryAcquire(Ticker ticker, long n);

    /** As {@link #tryAcquire(Ticker, long)}, admitting at most {@code cap} permits in the window. */
    abstract long tryAcquire(Ticker ticker, long n, long cap);

    /** As {@link #tryAcquire(Ticker, long)}, for the window of a limit's shared key. */
    abstract long tryAcquireShared(Ticker ticker, long n);

    /** As {@link #tryAcquire(Ticker, long, long)}, at a time the caller read already. */
    abstract long tryAcquireAt(long read, long n, long cap);

    /** Returns the permits held at {@code read}, never more than the window ending then holds. */
    abstract long heldInWindow(long read);

    /**
     * Counts {@code n} permits granted elsewhere (by Redis), whether or not they fit here; the
     * window then refuses until enough of them have left it.
     */
    abstract void record(Ticker ticker, long n);

    /** Returns the permits counted since this window was created, granted or recorded. */
    abstract long counted();
}
