package io.ratewarden.benchmarks;

import io.ratewarden.Backend;
import io.ratewarden.Limit;
import io.ratewarden.Limiter;
import io.ratewarden.Ratewarden;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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
 * calls, failed calls, p50, p99 and the slowest call in milliseconds. Every loop is bounded.
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
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (rw.storeInfo().backend() != Backend.REDIS && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
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
        List<long[]> perThread = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long[] latencies = new long[2_000_000];
            perThread.add(latencies);
            int[] count = {0};
            Thread worker = new Thread(() -> {
                while (!stop.get() && count[0] < latencies.length) {
                    long start = System.nanoTime();
                    try {
                        call.getAsBoolean();
                    } catch (RuntimeException e) {
                        failed.incrementAndGet();
                    }
                    latencies[count[0]++] = System.nanoTime() - start;
                }
                latencies[latencies.length - 1] = count[0]; // the count rides in the last slot
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
        long total = 0;
        for (long[] latencies : perThread) {
            total += latencies[latencies.length - 1];
        }
        long[] all = new long[(int) total];
        int at = 0;
        for (long[] latencies : perThread) {
            int count = (int) latencies[latencies.length - 1];
            System.arraycopy(latencies, 0, all, at, count);
            at += count;
        }
        Arrays.sort(all);
        System.out.printf(Locale.ROOT, "| %s | %s | %d | %d | %.3f | %.3f | %.1f |%n", client, fault, all.length,
                failed.get(), millis(all, 0.50), millis(all, 0.99), all[all.length - 1] / 1e6);
    }

    private static double millis(long[] sorted, double quantile) {
        return sorted[Math.min(sorted.length - 1, (int) (sorted.length * quantile))] / 1e6;
    }
}
