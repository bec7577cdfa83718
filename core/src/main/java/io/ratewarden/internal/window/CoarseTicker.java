package io.ratewarden.internal.window;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * A monotonic nanosecond clock that a call reads as one field: a thread of its own writes
 * {@link System#nanoTime()} there every {@code granularity}. One per granularity in the JVM,
 * shared by the stores that use it ({@link #acquire}, {@link #release}).
 *
 * <h2>Bounds</h2>
 * A reading is a lower bound of the true time: it was the time when the thread wrote it. The
 * true time is below the reading plus {@link #margin()} while the thread keeps its beat: the
 * margin is the granularity, plus twice the latest lateness the thread saw in its own wake-ups
 * (decaying by half over about ten seconds), plus one granularity of slack. A window decides
 * with the reading where a lower bound is enough (a rejection standing until a time), and reads
 * {@link System#nanoTime()} itself where it needs the exact time (a grant under its lock): see
 * {@link WindowClock}.
 *
 * <h2>Life</h2>
 * No thread runs before the first read. The thread stops when nothing has read the clock for a
 * second, and when the last store that acquired it releases it; the next read starts it again
 * (that read returns {@link System#nanoTime()}). This class is thread-safe.
 */
final class CoarseTicker {

    /** What {@link #value} holds while no thread writes it. */
    static final long STOPPED = Long.MIN_VALUE;

    private static final long IDLE_NANOS = 1_000_000_000L;
    private static final Map<Long, CoarseTicker> SHARED = new HashMap<>();

    private final long granularity;
    private volatile long value = STOPPED;
    private volatile long margin;
    private volatile boolean used;
    private int holders;    // under SHARED's lock
    private Thread thread;  // under this lock

    private CoarseTicker(long granularity) {
        this.granularity = granularity;
        this.margin = 2 * granularity;
    }

    /**
     * Returns the clock of {@code granularityNanos}, counting one more holder; starts nothing.
     *
     * @param granularityNanos the beat, at least 1
     */
    static CoarseTicker acquire(long granularityNanos) {
        synchronized (SHARED) {
            CoarseTicker ticker = SHARED.computeIfAbsent(granularityNanos, CoarseTicker::new);
            ticker.holders++;
            return ticker;
        }
    }

    /** Counts one holder less; with none left, the thread stops and the clock is forgotten. */
    void release() {
        synchronized (SHARED) {
            if (--holders > 0) {
                return;
            }
            SHARED.remove(granularity, this);
        }
        stop();
    }

    /** The thread's name: {@code ratewarden-clock-1ms}, or the beat in microseconds below 1 ms. */
    static String threadName(long granularityNanos) {
        return granularityNanos % 1_000_000 == 0 ? "ratewarden-clock-" + granularityNanos / 1_000_000 + "ms"
                : "ratewarden-clock-" + granularityNanos / 1_000 + "us";
    }

    /** The beat, in nanoseconds. */
    long granularity() {
        return granularity;
    }

    /** Returns a lower bound of the current time, in {@link System#nanoTime()}'s terms. */
    long read() {
        long current = value;
        if (current == STOPPED) {
            return start();
        }
        if (!used) {
            used = true;
        }
        return current;
    }

    /** How far the true time may be past a reading, in nanoseconds, while the thread keeps its beat. */
    long margin() {
        return margin;
    }

    /** Whether the thread runs; for tests. */
    synchronized boolean running() {
        return thread != null && thread.isAlive();
    }

    private synchronized long start() {
        long now = System.nanoTime();
        if (value == STOPPED) {
            value = now;
            used = true;
            thread = new Thread(this::beat, threadName(granularity));
            thread.setDaemon(true);
            thread.setPriority(Thread.MAX_PRIORITY);
            thread.start();
        }
        return now;
    }

    private synchronized void stop() {
        if (thread != null) {
            thread.interrupt();
            thread = null;
        }
    }

    private void beat() {
        Thread self = Thread.currentThread();
        long last = value;
        long worstLate = 0;
        long idleSince = last;
        while (true) {
            LockSupport.parkNanos(granularity);
            long now = System.nanoTime();
            synchronized (this) {
                if (thread != self || now - idleSince >= IDLE_NANOS && !used) {
                    // Stopped by release(), or idle. No other thread can have started meanwhile:
                    // a read starts one only once this one has written STOPPED.
                    thread = null;
                    value = STOPPED;
                    return;
                }
                if (used) {
                    used = false;
                    idleSince = now;
                }
            }
            long late = Math.max(0, now - last - granularity);
            worstLate = Math.max(late, worstLate - (worstLate >> 14));
            margin = 2 * granularity + 2 * worstLate;
            value = now;
            last = now;
        }
    }
}
