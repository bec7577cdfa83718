package io.ratewarden.benchmarks;

import io.ratewarden.Limit;
import io.ratewarden.Limiter;
import io.ratewarden.Ratewarden;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.redisson.Redisson;
import org.redisson.api.RRateLimiter;
import org.redisson.api.RateType;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * Call latency through a Redis failure: 4 threads call a limit for 2 s on a healthy Redis, then
 * Redis is killed ({@code kill -9}) or frozen ({@code SIGSTOP}) for 3 s, then restarted or
 * resumed, and the calls go on for 3 s. Once with Ratewarden's defaults, once with a raw
 * Redisson {@code RRateLimiter} on Redisson's defaults. Prints one Markdown table row per run:
 * calls, failed calls, p50 and p99 (upper bounds of 1 µs buckets below 1 ms, 1 ms buckets above)
 * and the slowest call, in milliseconds. Every loop is bounded in time.
 */
public final class FailoverLatency {

    private FailoverLatency() {
    }

    /**
     * Runs the four scenarios and prints the table.
     *
     * @param args ignored
     */
    public static void main(String[] args) throws Exception {
        System.out.println("| client | fault | calls | failed calls | p50 ms | p99 ms | max ms |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (String fault : List.of("kill -9", "SIGSTOP")) {
            try (LocalRedis redis = LocalRedis.start()) {
                Ratewarden rw = Ratewarden.builder().name("failover-latency").redisUrl(redis.url()).jmx(false).build();
                LocalRedis.awaitOnRedis(rw);
                Limiter limiter = rw.limit("latency", Limit.of(1_000_000_000L, Duration.ofSeconds(1)));
                run("Ratewarden (defaults: timeout 100 ms)", fault, redis, () -> limiter.tryAcquire("k").allowed());
                rw.close();
            }
            try (LocalRedis redis = LocalRedis.start()) {
                Config config = new Config();
                config.useSingleServer().setAddress(redis.url());
                RedissonClient client = Redisson.create(config);
                RRateLimiter limiter = client.getRateLimiter("latency");
                limiter.trySetRate(RateType.OVERALL, 1_000_000_000L, Duration.ofSeconds(1));
                run("raw Redisson RRateLimiter (defaults)", fault, redis, () -> limiter.tryAcquire(1));
                client.shutdown();
            }
        }
    }

    private static void run(String client, String fault, LocalRedis redis, BooleanSupplier call) throws Exception {
        int threads = 4;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong failed = new AtomicLong();
        List<Histogram> histograms = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        for (int t = 0; t < threads; t++) {
            Histogram histogram = new Histogram();
            histograms.add(histogram);
            Thread worker = new Thread(() -> {
                while (!stop.get() && System.nanoTime() < deadline) {
                    long start = System.nanoTime();
                    try {
                        call.getAsBoolean();
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                    }
                    histogram.record(System.nanoTime() - start);
                }
            });
            worker.start();
            workers.add(worker);
        }
        Thread.sleep(2_000);
        if (fault.equals("kill -9")) {
            redis.kill();
            Thread.sleep(3_000);
            redis.restart();
        } else {
            redis.pause();
            Thread.sleep(3_000);
            redis.resume();
        }
        Thread.sleep(3_000);
        stop.set(true);
        for (Thread worker : workers) {
            worker.join(120_000);
        }
        Histogram all = new Histogram();
        histograms.forEach(all::add);
        System.out.printf(Locale.ROOT, "| %s | %s | %d | %d | %.3f | %.3f | %.1f |%n", client, fault, all.count,
                failed.get(), all.quantile(0.50) / 1e6, all.quantile(0.99) / 1e6, all.max / 1e6);
    }

    /**
     * Latencies in buckets of 1 µs up to 1 ms and of 1 ms up to 60 s, plus the exact maximum: a
     * fixed footprint whatever the number of calls.
     */
    private static final class Histogram {
        private static final int MICRO_BUCKETS = 1_000;
        private static final int MILLI_BUCKETS = 60_000;
        final long[] buckets = new long[MICRO_BUCKETS + MILLI_BUCKETS + 1];
        long count;
        long max;

        void record(long nanos) {
            long micros = nanos / 1_000;
            int bucket = micros < MICRO_BUCKETS ? (int) micros
                    : (int) Math.min(MICRO_BUCKETS + nanos / 1_000_000, buckets.length - 1L);
            buckets[bucket]++;
            count++;
            max = Math.max(max, nanos);
        }

        void add(Histogram other) {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] += other.buckets[i];
            }
            count += other.count;
            max = Math.max(max, other.max);
        }

        /** The upper bound, in nanoseconds, of the bucket holding the quantile. */
        double quantile(double q) {
            long rank = (long) Math.ceil(q * count);
            long seen = 0;
            for (int i = 0; i < buckets.length; i++) {
                seen += buckets[i];
                if (seen >= rank) {
                    return i < MICRO_BUCKETS ? (i + 1) * 1_000.0 : (i - MICRO_BUCKETS + 1) * 1_000_000.0;
                }
            }
            return max;
        }
    }

}
