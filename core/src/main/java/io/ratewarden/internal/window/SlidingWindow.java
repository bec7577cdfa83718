package io.ratewarden.internal.window;

import io.ratewarden.Limit;

/**
 * The in-memory state of one key: how many permits its sliding window holds, and when it has
 * room again. Two representations, chosen by the limit's permits:
 * <ul>
 *   <li>up to {@value #EXACT_UP_TO} permits, {@link SlidingLog}: one timestamp per permit, exact
 *       (a call is granted as soon as the oldest grants that make room for it have left the
 *       window);</li>
 *   <li>above, {@link SlottedWindow}: a fixed number of time slots, so that memory does not grow
 *       with the permits; it never grants more than the permits in any window, and may reject up
 *       to 1/16 of the window early.</li>
 * </ul>
 * Every wait returned is at least 1 ns and at most the window.
 *
 * <h2>A changed limit</h2>
 * A window is built for one {@link Limit}. When a call brings another (an override, a changed
 * configuration), the store {@linkplain #retireInto retires} the window: under its lock the window
 * stops deciding, and a new one for the new limit takes over the grants it held (a slot's grants
 * are dated at the slot's end, so a conversion never frees a permit early). A call that reaches a
 * retired window gets {@link #RETIRED} and looks the key up again. So an exhausted key whose limit
 * is raised from 5 to 8 gets 3 more at once, not 8.
 *
 * <p>Implementations are thread-safe and take no lock shared with other keys.
 */
public abstract class SlidingWindow {

    /**
     * The last rejection: no room for {@code cost} permits under a cap of {@code cap} before
     * {@code until} (a ticker reading). Room only appears as time passes, so until then a
     * rejection stays true, and its retry time too as long as nothing takes permits meanwhile: a
     * flood of calls on a full key is rejected with two volatile reads and no lock. (A larger cost
     * would be rejected too, but later: it takes the locked path, which knows when.) The exact
     * {@link SlidingLog} clears it on every grant and record. The {@link SlottedWindow} clears it
     * on grants and records under its lock but not on a lock-free grant, which stays one
     * compare-and-set: after a smaller grant there, a rejection's retry time may come early, and
     * the call then made is rejected with a new one (that window's retry time is approximate
     * anyway). Retiring a window clears it.
     */
    record StandingRejection(long until, long cost, long cap) {

        /** The nanoseconds from {@code read} during which this rejection answers the call, or 0. */
        long answers(long read, long n, long callCap) {
            return read < until && n == cost && callCap == cap ? until - read : 0;
        }
    }

    /** The largest limit, in permits, decided by an exact log. */
    public static final int EXACT_UP_TO = 64;

    /** What a call on a retired window returns: look the key up again. */
    static final long RETIRED = Long.MIN_VALUE;

    private static final java.lang.invoke.VarHandle IN_FLIGHT;

    static {
        try {
            IN_FLIGHT = java.lang.invoke.MethodHandles.lookup().findVarHandle(SlidingWindow.class, "sharedInFlight",
                    long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Limit limit;
    private final long nearLimitRemaining; // a grant leaving at most this many is near the limit
    /** Permits counted by the windows this one replaced; written before it is published. */
    long countedBefore;
    /**
     * Permits this instance has asked the shared store (Redis) for on this key and not yet heard
     * back about: a grant Redis made but this instance has not recorded yet is among them.
     */
    @SuppressWarnings("unused") // through IN_FLIGHT
    private volatile long sharedInFlight;

    SlidingWindow(Limit limit) {
        this.limit = limit;
        this.nearLimitRemaining = limit.permits() / 5;
    }

    /** What {@link #tryAcquire(WindowClock, long, long)} returns for a grant near the limit. */
    public static final long NEAR_LIMIT = -1;

    /**
     * What {@link #tryAcquire(WindowClock, long, long)} returns for a grant after which the window
     * holds {@code used} permits: 0, or {@link #NEAR_LIMIT} when the permits left are at most a
     * fifth of the limit's.
     */
    final long granted(long used) {
        return limit.permits() - used <= nearLimitRemaining ? NEAR_LIMIT : 0;
    }

    /** Adds {@code permits} (negative to remove) to the permits asked of the shared store and not yet answered. */
    public final void sharedInFlight(long permits) {
        IN_FLIGHT.getAndAdd(this, permits);
    }

    /** The permits asked of the shared store on this key and not yet answered. */
    public final long sharedInFlight() {
        return (long) IN_FLIGHT.getVolatile(this);
    }

    /** Whether this window decides by {@code other}: the same object, or an equal limit. */
    final boolean fits(Limit other) {
        return other == limit || other.equals(limit);
    }

    /** The limit this window decides by. */
    final Limit limit() {
        return limit;
    }

    /**
     * Takes {@code n} permits if the window holds room for them.
     *
     * @return 0 when granted ({@link #NEAR_LIMIT} near the limit), else the
     *     nanoseconds until enough grants leave the window (at least 1), or {@link #RETIRED}
     */
    final long tryAcquire(WindowClock clock, long n) {
        return tryAcquire(clock, n, Long.MAX_VALUE);
    }

    /**
     * As {@link #tryAcquire(WindowClock, long)}, admitting at most {@code cap} permits in the
     * window. Never grants before the true time allows (see {@link WindowClock}); a rejection may
     * stand up to the clock's margin after room appeared. A grant returns 0, or {@link #NEAR_LIMIT}
     * when it left at most a fifth of the limit's permits ({@link #granted}).
     */
    abstract long tryAcquire(WindowClock clock, long n, long cap);

    /** Returns the permits held at {@code read}, never more than the window ending then holds. */
    public abstract long heldInWindow(long read);

    /**
     * Returns the permits a call could take at {@code read} without being rejected, at least 0: the
     * limit less what the window (or the span a slotted window decides by) holds.
     */
    abstract long available(long read);

    /**
     * Counts {@code n} permits granted elsewhere (by Redis), whether or not they fit here; the
     * window then rejects until enough of them have left it.
     *
     * @return {@code false} when the window was retired and counted nothing
     */
    abstract boolean record(WindowClock clock, long n);

    /**
     * Gives back up to {@code n} permits: the latest grants still in the window at the clock's
     * exact time are taken out, latest first, so that calls find room as if they had not been
     * made. Never frees more than the window holds. A retired window passes them to its successor.
     * What {@link #counted()} says stays: the grants were made.
     *
     * @return the permits given back, between 0 and {@code n}
     */
    abstract long giveBack(WindowClock clock, long n);

    /**
     * Forgets every grant: the window has its whole limit again. What {@link #counted()} says
     * stays.
     */
    abstract void clear();

    /** Returns the permits counted since the key was first held, granted or recorded. */
    final long counted() {
        return countedBefore + countedHere();
    }

    /** The permits this window counted itself. */
    abstract long countedHere();

    /**
     * Stops this window from deciding and returns the window for {@code newLimit} that takes over
     * its grants (the one made earlier when it was retired already). Called by the store alone,
     * which then publishes the returned window in this one's place.
     */
    abstract SlidingWindow retireInto(Limit newLimit, long read, Successors successors);

    /** Makes the successor of a window being retired ({@link Windows#successor}). */
    @FunctionalInterface
    interface Successors {
        SlidingWindow of(SlidingWindow retired, Limit newLimit, long read);
    }

    /**
     * The grants that may still be in the window at {@code read}, oldest first, as pairs of a time
     * and a count: {@code [t0, c0, t1, c1, ...]}. Under the window's lock.
     */
    abstract long[] grants(long read);

    /** Counts {@code count} permits at {@code time}, before the window is published; times only grow. */
    abstract void absorb(long time, long count);
}
