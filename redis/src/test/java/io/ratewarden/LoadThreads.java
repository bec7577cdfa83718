package io.ratewarden;

import io.ratewarden.testing.SchedulingDelay;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;

/**
 * Calls a limiter from several threads until stopped (or 60 s, or 500 million calls a thread: at
 * in-memory speed a thread makes a few million calls a second), recording the slowest call and
 * anything thrown, and measuring meanwhile how long this JVM's threads are kept from running, which
 * bounds what the slowest call can be held to ({@link #bound(Duration)}).
 */
final class LoadThreads implements AutoCloseable {
    final AtomicBoolean stop = new AtomicBoolean();
    final ConcurrentLinkedQueue<Throwable> thrown = new ConcurrentLinkedQueue<>();
    final LongAccumulator slowestNanos = new LongAccumulator(Math::max, 0);
    volatile long measureFrom = Long.MIN_VALUE;
    final AtomicLong measured = new AtomicLong();
    final AtomicLong slowerThanAMillisecond = new AtomicLong();
    final AtomicLong calls = new AtomicLong();
    final AtomicLong redisDecisions = new AtomicLong();
    final Thread[] threads;
    final SchedulingDelay delay = SchedulingDelay.measure("load");
    /** The longest a load thread stood between two calls: a busy thread's own preemption. */
    final LongAccumulator stallNanos = new LongAccumulator(Math::max, 0);

    LoadThreads(Limiter limiter, int threadCount) {
        threads = new Thread[threadCount];
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        for (int t = 0; t < threadCount; t++) {
            int id = t;
            threads[t] = new Thread(() -> {
                long end = 0;
                for (long i = 0; i < 500_000_000L && !stop.get() && System.nanoTime() < deadline; i++) {
                    long start = System.nanoTime();
                    if (end != 0 && end - measureFrom >= 0) {
                        stallNanos.accumulate(start - end);
                    }
                    try {
                        Decision d = limiter.tryAcquire("user-" + (id * 7 + i) % 20);
                        if (d.decidedBy() == Backend.REDIS) {
                            redisDecisions.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        thrown.add(e);
                    }
                    end = System.nanoTime();
                    if (start - measureFrom >= 0) {
                        long took = end - start;
                        slowestNanos.accumulate(took);
                        measured.incrementAndGet();
                        if (took > 1_000_000) {
                            slowerThanAMillisecond.incrementAndGet();
                        }
                    }
                    calls.incrementAndGet();
                }
            }, "load-" + t);
            threads[t].start();
        }
    }

    Duration slowest() {
        return Duration.ofNanos(slowestNanos.get());
    }

    /**
     * The bound the slowest call must keep: what the product promises, plus what this machine's
     * scheduling took in this run ({@link SchedulingDelay#allowing(Duration)}).
     */
    Duration bound(Duration promised) {
        return promised.plus(stall().multipliedBy(SchedulingDelay.HANDOFFS));
    }

    /**
     * The longest this JVM's threads were kept from running in this run: the sleeping probe's
     * late wake-ups ({@link SchedulingDelay}), or, longer on a busy machine, the longest a load
     * thread stood between two of its calls. A busy thread waits for a time slice where a
     * sleeping one is woken at once, and a preemption lands between calls as often as inside
     * one, so over thousands of calls the gaps show how long a call can be held up.
     */
    Duration stall() {
        Duration gap = Duration.ofNanos(stallNanos.get());
        Duration wakeUp = delay.worst();
        return gap.compareTo(wakeUp) > 0 ? gap : wakeUp;
    }

    /** The stall, as the tests print it. */
    String stallText() {
        return String.format("worst stall %.1f ms (%s)", stall().toNanos() / 1e6, delay);
    }

    /** From now on, the slowest of the calls that start from now, and the delays from now. */
    void resetSlowest() {
        delay.reset();
        stallNanos.reset();
        measureFrom = System.nanoTime();
        slowestNanos.reset();
        measured.set(0);
        slowerThanAMillisecond.set(0);
    }

    @Override
    public void close() {
        stop();
    }

    void stop() {
        stop.set(true);
        delay.close();
        for (Thread thread : threads) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
