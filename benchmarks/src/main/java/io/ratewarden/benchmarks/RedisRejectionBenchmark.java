package io.ratewarden.benchmarks;

import io.ratewarden.RatewardenBuilder;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.redis.redisson.cas.RedissonBasedProxyManager;
import io.ratewarden.Decision;
import io.ratewarden.Limit;
import io.ratewarden.Limiter;
import io.ratewarden.Ratewarden;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.redisson.Redisson;
import org.redisson.api.RRateLimiter;
import org.redisson.api.RateType;
import org.redisson.api.RedissonClient;
import org.redisson.command.CommandAsyncExecutor;
import org.redisson.config.Config;

/**
 * A rejected call on Redis: every limit here allows one call an hour and is spent, so every
 * measured call is rejected. Ratewarden's rejection decided by Redis (the over-limit cache off: what
 * the first rejection of a key costs), its rejection from the over-limit cache, raw Redisson
 * {@code RRateLimiter.tryAcquire(1)}, and Bucket4j's Redisson proxy. Each fork starts its own
 * redis-server on loopback.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class RedisRejectionBenchmark {

    private LocalRedis redis;
    private Ratewarden uncached;
    private Ratewarden cached;
    private Limiter uncachedLimiter;
    private Limiter cachedLimiter;
    private RedissonClient raw;
    private RRateLimiter rawLimiter;
    private BucketProxy bucket4j;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        redis = LocalRedis.start();
        uncached = onRedis(Ratewarden.builder().name("bench-rejection-uncached").overLimitCache(false));
        cached = onRedis(Ratewarden.builder().name("bench-rejection-cached"));
        Limit oneAnHour = Limit.of(1, Duration.ofHours(1));
        uncachedLimiter = uncached.limit("blocked", oneAnHour);
        cachedLimiter = cached.limit("blocked-cached", oneAnHour);
        uncachedLimiter.tryAcquire("mallory");
        cachedLimiter.tryAcquire("mallory");

        Config config = new Config();
        config.useSingleServer().setAddress(redis.url());
        raw = Redisson.create(config);
        rawLimiter = raw.getRateLimiter("raw-blocked");
        rawLimiter.trySetRate(RateType.OVERALL, 1, Duration.ofHours(1), Duration.ofHours(2));
        rawLimiter.tryAcquire(1);

        CommandAsyncExecutor executor = ((Redisson) raw).getCommandExecutor();
        RedissonBasedProxyManager<String> proxies = RedissonBasedProxyManager.builderFor(executor).build();
        bucket4j = proxies.builder().build("bucket4j-blocked", () -> BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(1).refillGreedy(1, Duration.ofHours(1)).build())
                .build());
        bucket4j.tryConsume(1);
    }

    private Ratewarden onRedis(RatewardenBuilder builder) throws InterruptedException {
        return LocalRedis.awaitOnRedis(builder.redisUrl(redis.url()).jmx(false).redisTimeout(Duration.ofSeconds(1))
                .build());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        uncached.close();
        cached.close();
        raw.shutdown();
        redis.close();
    }

    @Benchmark
    public Decision ratewardenRejectedByRedis() {
        return uncachedLimiter.tryAcquire("mallory");
    }

    @Benchmark
    public Decision ratewardenRejectedFromTheCache() {
        return cachedLimiter.tryAcquire("mallory");
    }

    @Benchmark
    public boolean redissonRateLimiterRejected() {
        return rawLimiter.tryAcquire(1);
    }

    @Benchmark
    public boolean bucket4jRedissonProxyRejected() {
        return bucket4j.tryConsume(1);
    }
}
