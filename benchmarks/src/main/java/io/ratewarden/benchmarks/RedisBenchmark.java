package io.ratewarden.benchmarks;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.redis.redisson.cas.RedissonBasedProxyManager;
import io.ratewarden.Limit;
import io.ratewarden.Limiter;
import io.ratewarden.RateLimitExceededException;
import io.ratewarden.Ratewarden;
import io.ratewarden.RedisAlgorithm;
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
import org.redisson.api.RBucket;
import org.redisson.api.RRateLimiter;
import org.redisson.api.RateType;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.command.CommandAsyncExecutor;
import org.redisson.config.Config;

/**
 * One decision on Redis per call, beside the client's floor: a Redisson {@code GET} of one key;
 * Ratewarden's two algorithms, each on a bucket that holds few grants (a 10 ms window) and on one
 * holding 10,000 and more (an hour's window, filled before the measurement); a woven call;
 * raw Redisson {@code RRateLimiter.tryAcquire(1)} with the same rate, window and keep-alive; and
 * Bucket4j's Redisson proxy. Each fork starts its own redis-server on loopback. Run with
 * {@code -t 1}, {@code -t 4}, {@code -t 16}. Several forks: with Redis, its client threads and the
 * callers sharing 2 cores, one fork's figure moves by a third from fork to fork.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class RedisBenchmark {

    /** The grants a "holding" bucket holds before the measurement starts. */
    private static final int HELD = 10_000;

    private LocalRedis redis;
    private Ratewarden ratewarden;
    private RedissonClient raw;
    private RRateLimiter rawLimiter;
    private BucketProxy bucket4j;
    private RBucket<String> plainKey;
    private Ratewarden rrateLimiter;
    private Ratewarden compact;
    private Limiter rrateFresh;
    private Limiter rrateHolding;
    private Limiter compactFresh;
    private Limiter compactHolding;
    private final Targets targets = new Targets();

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        redis = LocalRedis.start();
        ratewarden = Ratewarden.builder().name("bench-redis").redisUrl(redis.url()).jmx(false)
                .redisTimeout(Duration.ofSeconds(1)).build();
        Ratewarden.install(ratewarden);
        LocalRedis.awaitOnRedis(ratewarden);
        targets.onRedis(1);

        rrateLimiter = LocalRedis.awaitOnRedis(Ratewarden.builder().name("bench-rrate").redisUrl(redis.url())
                .jmx(false).redisTimeout(Duration.ofSeconds(1)).redisAlgorithm(RedisAlgorithm.RRATE_LIMITER).build());
        compact = LocalRedis.awaitOnRedis(Ratewarden.builder().name("bench-compact").redisUrl(redis.url())
                .jmx(false).redisTimeout(Duration.ofSeconds(1)).redisAlgorithm(RedisAlgorithm.COMPACT).build());
        Limit fresh = Limit.of(1_000_000_000L, Duration.ofMillis(10));
        Limit holding = Limit.of(1_000_000_000L, Duration.ofHours(1));
        rrateFresh = rrateLimiter.limit("fresh", fresh);
        rrateHolding = rrateLimiter.limit("holding", holding);
        compactFresh = compact.limit("fresh", fresh);
        compactHolding = compact.limit("holding", holding);
        for (int i = 0; i < HELD; i++) {
            rrateHolding.tryAcquire("k");
            compactHolding.tryAcquire("k");
        }

        Config config = new Config();
        config.useSingleServer().setAddress(redis.url());
        raw = Redisson.create(config);
        // The same settings as Ratewarden's limiter, keep-alive included: 2 x window + 1 s, so that
        // the limiter's keys leave Redis once idle (each acquire then also refreshes their expiry).
        rawLimiter = raw.getRateLimiter("raw-limiter");
        rawLimiter.trySetRate(RateType.OVERALL, 1_000_000_000L, Duration.ofSeconds(1), Duration.ofSeconds(3));
        rawLimiter.tryAcquire(1);
        plainKey = raw.getBucket("plain-key", StringCodec.INSTANCE);
        plainKey.set("a value");

        CommandAsyncExecutor executor = ((Redisson) raw).getCommandExecutor();
        RedissonBasedProxyManager<String> proxies = RedissonBasedProxyManager.builderFor(executor).build();
        bucket4j = proxies.builder().build("bucket4j", () -> BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(1_000_000_000L)
                        .refillGreedy(1_000_000_000L, Duration.ofSeconds(1)).build())
                .build());
        bucket4j.tryConsume(1);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        ratewarden.close();
        rrateLimiter.close();
        compact.close();
        raw.shutdown();
        redis.close();
    }

    @Benchmark
    public long ratewardenWovenOnRedis() {
        try {
            return targets.onRedis(1);
        } catch (RateLimitExceededException e) {
            return -1;
        }
    }

    @Benchmark
    public boolean redissonRateLimiterTryAcquire() {
        return rawLimiter.tryAcquire(1);
    }

    @Benchmark
    public String redissonGet() {
        return plainKey.get();
    }

    @Benchmark
    public boolean rrateLimiterFresh() {
        return rrateFresh.tryAcquire("k").allowed();
    }

    @Benchmark
    public boolean rrateLimiterHoldingTenThousand() {
        return rrateHolding.tryAcquire("k").allowed();
    }

    @Benchmark
    public boolean compactFresh() {
        return compactFresh.tryAcquire("k").allowed();
    }

    @Benchmark
    public boolean compactHoldingTenThousand() {
        return compactHolding.tryAcquire("k").allowed();
    }

    @Benchmark
    public boolean bucket4jRedissonProxy() {
        return bucket4j.tryConsume(1);
    }
}
