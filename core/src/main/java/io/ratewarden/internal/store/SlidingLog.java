package io.ratewarden.internal.store;

import io.ratewarden.Ticker;

/**
 * The exact in-memory state of one key of a small limit: the time of each of the last
 * {@code permits} permits granted, in a ring, oldest first.
 *
 * <h2>Design</h2>
 * A window of {@code P} permits holds room for {@code n} more exactly when the {@code n}-th oldest
 * of its last {@code P} permits has left it (the older ones have too, since times only grow). So
 * the ring of the last {@code P} times is all an exact sliding log needs: a grant overwrites the
 * {@code n} oldest with the decision time, and a refusal's wait is when that {@code n}-th oldest
 * leaves. With a cap {@code k < P} (this instance's share during an outage), the window must keep
 * at most {@code k - n} grants, so the {@code (P - k + n)}-th oldest must have left. A permit
 * granted elsewhere (recorded) overwrites the oldest entry too, whether or not it fitted: the ring
 * then still holds the last {@code P} permits, which is all that decides. Memory: {@code 8 P}
 * bytes of timestamps, at most 512.
 *
 * <p>Grants on a key serialise on its monitor: for a limit this small, a key sees at most
 * {@value SlidingWindow#EXACT_UP_TO} grants a window. Refusals that the last refusal still
 * answers take no lock ({@link SlidingWindow.Refused}). This class is thread-safe.
 */
final class SlidingLog extends SlidingWindow {

    private static final long EMPTY = Long.MIN_VALUE;

    private final long windowNanos;
    private final long[] times; // a ring: times[head] is the oldest of the last times.length permits
    private int head;
    private long latest = EMPTY;
    private long counted;
    private volatile Refused refused;

    SlidingLog(int permits, long windowNanos) {
        this.windowNanos = windowNanos;
        this.times = new long[permits];
        java.util.Arrays.fill(times, EMPTY);
    }

    @Override
    long tryAcquire(Ticker ticker, long n) {
        return tryAcquireAt(ticker.read(), n, times.length);
    }

    @Override
    long tryAcquire(Ticker ticker, long n, long cap) {
        return tryAcquireAt(ticker.read(), n, cap);
    }

    @Override
    long tryAcquireShared(Ticker ticker, long n) {
        return tryAcquireAt(ticker.read(), n, times.length);
    }

    @Override
    long tryAcquireAt(long read, long n, long cap) {
        Refused last = refused;
        long wait = last == null ? 0 : last.answers(read, n, cap);
        return wait > 0 ? wait : decide(read, n, cap);
    }

    private synchronized long decide(long read, long n, long cap) {
        int permits = times.length;
        long now = Math.max(read, latest);
        long keep = Math.min(cap, permits) - n; // grants the window may still hold besides these
        if (keep < 0) {
            return windowNanos;
        }
        long deciding = times[index(permits - keep - 1)];
        if (deciding != EMPTY && now - deciding < windowNanos) {
            refused = new Refused(deciding + windowNanos, n, cap);
            return Math.max(1, deciding + windowNanos - now);
        }
        take(now, (int) n);
        return 0;
    }

    @Override
    synchronized long heldInWindow(long read) {
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
    synchronized void record(Ticker ticker, long n) {
        take(Math.max(ticker.read(), latest), (int) Math.min(n, times.length));
        counted += n - Math.min(n, times.length);
    }

    @Override
    synchronized long counted() {
        return counted;
    }

    /** Overwrites the {@code n} oldest times with {@code now}. */
    private void take(long now, int n) {
        latest = now;
        refused = null; // room taken: a refusal's retry time may now lie later
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
