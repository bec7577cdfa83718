package io.ratewarden.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.locks.LockSupport;

/**
 * How late this JVM's threads run, measured while a test runs: a daemon thread parks for 1 ms
 * again and again and records how much later than asked it woke. On an idle machine that is
 * well under a millisecond; beside a CPU-heavy neighbour, or in a GC pause, it is what any thread
 * of the JVM may have lost at that moment.
 *
 * <p>A test that bounds a latency bounds it by what the product promises plus what the machine
 * took: {@link #allowing(Duration)}. So a starved machine cannot fail the test, and an idle one
 * still holds the product to its promise.
 *
 * <p>Thread-safe. Close it to stop the probe.
 */
public final class SchedulingDelay implements AutoCloseable {

    /**
     * The thread switches a call can wait for: the caller's, the I/O thread that reads the reply,
     * and a timer's. Each can be late by the worst delay measured.
     */
    public static final int HANDOFFS = 3;

    private static final long PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final LongAccumulator worstNanos = new LongAccumulator(Math::max, 0);
    private final Thread probe;
    private volatile boolean running = true;

    private SchedulingDelay(String name) {
        probe = new Thread(this::run, "scheduling-delay-" + name);
        probe.setDaemon(true);
        probe.start();
    }

    /**
     * Starts measuring.
     *
     * @param name what the probe thread is named after, for thread dumps
     * @return the running measurement
     */
    public static SchedulingDelay measure(String name) {
        return new SchedulingDelay(name);
    }

    private void run() {
        while (running) {
            long start = System.nanoTime();
            LockSupport.parkNanos(PARK_NANOS);
            worstNanos.accumulate(System.nanoTime() - start - PARK_NANOS);
        }
    }

    /**
     * Returns the latest any wake-up came since the start or the last {@link #reset()}.
     *
     * @return the worst delay, zero or more
     */
    public Duration worst() {
        return Duration.ofNanos(Math.max(0, worstNanos.get()));
    }

    /** Forgets the delays measured so far: {@link #worst()} covers what follows. */
    public void reset() {
        worstNanos.reset();
    }

    /**
     * Returns the bound a latency must keep: {@code promised}, plus {@link #HANDOFFS} times the
     * worst delay measured so far.
     *
     * @param promised what the product promises on an idle machine
     * @return the bound on this machine, in this run
     */
    public Duration allowing(Duration promised) {
        return promised.plus(worst().multipliedBy(HANDOFFS));
    }

    /**
     * Describes the measurement, for assertion messages and test output.
     *
     * @return for example {@code "worst scheduling delay 3.2 ms"}
     */
    @Override
    public String toString() {
        return String.format("worst scheduling delay %.1f ms", worst().toNanos() / 1e6);
    }

    /** Stops the probe thread. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(probe);
    }
}
