package io.ratewarden.benchmarks;

import io.ratewarden.Limit;
import io.ratewarden.Limiter;
import io.ratewarden.Ratewarden;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import org.redisson.Redisson;
import org.redisson.api.RRateLimiter;
import org.redisson.api.RateType;
import org.redisson.api.RedissonClient;
import org.redisson.api.redisnode.RedisNode;
import org.redisson.api.redisnode.RedisNodes;
import org.redisson.config.Config;

/**
 * A flood: 16 threads call one key that is over its limit (one call an hour, spent) for 10 s, as
 * an abusive client would. Reports the calls per second and the commands per second Redis
 * processed meanwhile (from {@code INFO stats}, heartbeats included), for Ratewarden with its
 * over-limit cache and for raw Redisson {@code RRateLimiter.tryAcquire(1)}. Prints a Markdown
 * table. Every loop is bounded in time and count.
 */
public final class RejectionFlood {

    private static final int THREADS = 16;
    private static final Duration LENGTH = Duration.ofSeconds(10);

    private RejectionFlood() {
    }

    public static void main(String[] args) throws Exception {
        try (LocalRedis redis = LocalRedis.start()) {
            Config config = new Config();
            config.useSingleServer().setAddress(redis.url());
            RedissonClient raw = Redisson.create(config);
            try (Ratewarden rw = Ratewarden.builder().name("flood").redisUrl(redis.url()).jmx(false).build()) {
                LocalRedis.awaitOnRedis(rw);
                Limiter limiter = rw.limit("flooded", Limit.of(1, Duration.ofHours(1)));
                limiter.tryAcquire("mallory");
                RRateLimiter rawLimiter = raw.getRateLimiter("raw-flooded");
                rawLimiter.trySetRate(RateType.OVERALL, 1, Duration.ofHours(1), Duration.ofHours(2));
                rawLimiter.tryAcquire(1);

                System.out.println("| client | calls/s | Redis commands/s | commands per 1,000 calls |");
                System.out.println("|---|---|---|---|");
                row("Ratewarden (over-limit cache on, the default)", raw,
                        () -> limiter.tryAcquire("mallory").allowed());
                row("raw Redisson `RRateLimiter.tryAcquire(1)`", raw, () -> rawLimiter.tryAcquire(1));
            } finally {
                raw.shutdown();
            }
        }
    }

    private static void row(String name, RedissonClient raw, BooleanSupplier call) throws Exception {
        LongAdder calls = new LongAdder();
        long before = commands(raw);
        long start = System.nanoTime();
        long end = start + LENGTH.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Thread thread = new Thread(() -> {
                for (long i = 0; i < 2_000_000_000L && System.nanoTime() < end; i++) {
                    call.getAsBoolean();
                    calls.increment();
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join(LENGTH.toMillis() + 30_000);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long commands = commands(raw) - before - 1; // the second INFO counts itself
        System.out.printf(Locale.ROOT, "| %s | %,.0f | %,.0f | %.3f |%n", name, calls.sum() / seconds,
                commands / seconds, 1_000.0 * commands / calls.sum());
    }

    private static long commands(RedissonClient raw) {
        return Long.parseLong(raw.getRedisNodes(RedisNodes.SINGLE).getInstance()
                .info(RedisNode.InfoSection.STATS).get("total_commands_processed"));
    }
}
