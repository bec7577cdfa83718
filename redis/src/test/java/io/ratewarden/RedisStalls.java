package io.ratewarden;

import io.ratewarden.testing.RedisServerProcess;
import io.ratewarden.testing.SchedulingDelay;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.locks.LockSupport;

/**
 * How long the machine kept Redis from answering while a test ran: a thread of the test JVM sends
 * {@code PING} every 10 ms and records the longest round trip, and {@link SchedulingDelay} the
 * longest this JVM's own threads woke late. On an idle machine both stay far under a Redis timeout;
 * beside a CPU-heavy neighbour they say whether a run of timeouts, which fails an instance over by
 * design, was the machine's doing. The pings stop at {@link #close()} or after {@code atMost}.
 */
final class RedisStalls implements AutoCloseable {

    private final LongAccumulator longestPingNanos = new LongAccumulator(Math::max, 0);
    private final SchedulingDelay scheduling = SchedulingDelay.measure("redis-stalls");
    private final Thread pinger;
    private volatile boolean running = true;

    private RedisStalls(RedisServerProcess redis, Duration atMost) {
        long deadline = System.nanoTime() + atMost.toNanos();
        pinger = new Thread(() -> {
            while (running && System.nanoTime() < deadline) {
                long start = System.nanoTime();
                try {
                    redis.call("PING");
                } catch (IOException e) {
                    // a refused or broken connection: counted as the time it took
                }
                longestPingNanos.accumulate(System.nanoTime() - start);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
        }, "redis-stalls");
        pinger.setDaemon(true);
        pinger.start();
    }

    /** Starts watching {@code redis}, for at most {@code atMost}. */
    static RedisStalls watch(RedisServerProcess redis, Duration atMost) {
        return new RedisStalls(redis, atMost);
    }

    /** The longest the test saw Redis not answer, or its own threads not run, so far. */
    Duration longest() {
        return Duration.ofNanos(Math.max(longestPingNanos.get(), scheduling.worst().toNanos()));
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        pinger.join(TimeUnit.SECONDS.toMillis(10));
        scheduling.close();
    }
}
