package io.ratewarden.internal.window;

import io.ratewarden.Limit;
import java.util.Arrays;

/**
 * The exact in-memory state of one key of a small limit: the time of each of the last
 * {@code permits} permits granted, in a ring, oldest first.
 *
 * <h2>Design</h2>
 * A window of {@code P} permits holds room for {@code n} more exactly when the {@code n}-th oldest
 * of its last {@code P} permits has left it (the older ones have too, since times only grow). So
 * the ring of the last {@code P} times is all an exact sliding log needs: a grant overwrites the
 * {@code n} oldest with the decision time, and a rejection's wait is when that {@code n}-th oldest
 * leaves. With a cap {@code k < P} (this instance's share during an outage), the window must keep
 * at most {@code k - n} grants, so the {@code (P - k + n)}-th oldest must have left. A permit
 * granted elsewhere (recorded) overwrites the oldest entry too, whether or not it fitted: the ring
 * then still holds the last {@code P} permits, which is all that decides. Memory: {@code 8 P}
 * bytes of timestamps, at most 512. (A log that took over a bucket whose limit was lowered keeps
 * as many times as the bucket held, up to 64, so that no grant still in the window is forgotten:
 * with {@code L} times, room for {@code n} under a cap {@code k} needs the
 * {@code (L - k + n)}-th oldest to have left.)
 *
 * <p>Grants on a key serialise on its monitor: for a limit this small, a key sees at most
 * {@value SlidingWindow#EXACT_UP_TO} grants a window. Rejections that the last rejection still
 * answers take no lock ({@link SlidingWindow.StandingRejection}). This class is thread-safe.
 */
final class SlidingLog extends SlidingWindow {

    private static final long EMPTY = Long.MIN_VALUE;

    private final long windowNanos;
    private final int permits;
    private final long[] times; // a ring: times[head] is the oldest of the last times.length permits
    private int head;
    private long latest = EMPTY;
    private long counted;
    private volatile StandingRejection standing;
    private SlidingWindow successor; // under the lock: set once retired

    /**
     * @param limit the limit, of at most {@value SlidingWindow#EXACT_UP_TO} permits
     * @param capacity the times kept, at least the permits and at most
     *     {@value SlidingWindow#EXACT_UP_TO}
     */
    SlidingLog(Limit limit, int capacity) {
        super(limit);
        this.windowNanos = limit.window().toNanos();
        this.permits = (int) limit.permits();
        this.times = new long[capacity];
        Arrays.fill(times, EMPTY);
    }

    @Override
    long tryAcquire(WindowClock clock, long n, long cap) {
        long capped = Math.min(cap, permits);
        StandingRejection last = standing;
        long read = clock.read(); // a lower bound: a rejection standing until later still answers
        long wait = last == null ? 0 : last.answers(read, n, capped);
        return wait > 0 ? wait : decide(clock.margin() == 0 ? read : clock.exact(), n, capped);
    }

    private synchronized long decide(long read, long n, long cap) {
        if (successor != null) {
            return RETIRED;
        }
        long now = Math.max(read, latest);
        long keep = cap - n; // grants the window may still hold besides these
        if (keep < 0) {
            return windowNanos;
        }
        long deciding = times[index(times.length - keep - 1)];
        if (deciding != EMPTY && now - deciding < windowNanos) {
            standing = new StandingRejection(deciding + windowNanos, n, cap);
            return Math.max(1, deciding + windowNanos - now);
        }
        take(now, (int) n);
        return grantResult(now);
    }

    /**
     * After a grant at {@code now}: {@link SlidingWindow#NEAR_LIMIT} when the window holds at least
     * four fifths of the permits, else 0. Reads one time: the one a fifth of the permits back.
     */
    private long grantResult(long now) {
        long time = times[index(times.length - (permits - permits / 5))];
        return time != EMPTY && now - time < windowNanos ? NEAR_LIMIT : 0;
    }

    @Override
    public synchronized long heldInWindow(long read) {
        if (successor != null) {
            return successor.heldInWindow(read);
        }
        long now = Math.max(read, latest);
        long held = 0;
        for (long time : times) {
            if (time != EMPTY && now - time < windowNanos) {
                held++;
            }
        }
        return held;
    }

    @Override
    long available(long read) {
        return Math.max(0, permits - heldInWindow(read));
    }

    @Override
    synchronized boolean record(WindowClock clock, long n) {
        if (successor != null) {
            return false;
        }
        take(Math.max(clock.exact(), latest), (int) Math.min(n, times.length));
        counted += n - Math.min(n, times.length);
        return true;
    }

    @Override
    synchronized long giveBack(WindowClock clock, long n) {
        if (successor != null) {
            return successor.giveBack(clock, n);
        }
        long now = Math.max(clock.exact(), latest);
        long given = 0;
        while (given < n) {
            int newest = head == 0 ? times.length - 1 : head - 1;
            long time = times[newest];
            if (time == EMPTY || now - time >= windowNanos) {
                break; // the rest left the window already
            }
            times[newest] = EMPTY; // the ring now starts one earlier, at an empty entry
            head = newest;
            given++;
        }
        if (given > 0) {
            standing = null; // room appeared before its retry time
        }
        return given;
    }

    @Override
    synchronized void clear() {
        Arrays.fill(times, EMPTY);
        head = 0;
        standing = null;
    }

    @Override
    synchronized long countedHere() {
        return counted;
    }

    @Override
    synchronized SlidingWindow retireInto(Limit newLimit, long read, Successors successors) {
        if (successor == null) {
            successor = successors.of(this, newLimit, read);
            standing = null;
        }
        return successor;
    }

    @Override
    long[] grants(long read) {
        long[] grants = new long[2 * times.length];
        int size = 0;
        for (int i = 0; i < times.length; i++) {
            long time = times[index(i)];
            if (time != EMPTY) {
                grants[size++] = time;
                grants[size++] = 1;
            }
        }
        return Arrays.copyOf(grants, size);
    }

    @Override
    void absorb(long time, long count) {
        take(Math.max(time, latest), (int) Math.min(count, times.length));
        counted += count - Math.min(count, times.length);
    }

    /** Overwrites the {@code n} oldest times with {@code now}. */
    private void take(long now, int n) {
        latest = now;
        standing = null; // room taken: a rejection's retry time may now lie later
        for (int i = 0; i < n; i++) {
            times[head] = now;
            head = head + 1 == times.length ? 0 : head + 1;
        }
        counted += n;
    }

    /** The ring index of the {@code i}-th oldest time (0 = the oldest). */
    private int index(long i) {
        long at = head + i;
        return (int) (at >= times.length ? at - times.length : at);
    }
}
