package io.ratewarden.benchmarks;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.ratewarden.Limit;
import io.ratewarden.Limiter;
import io.ratewarden.RateLimitExceededException;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One local decision per call, Ratewarden beside its peers, in memory. {@code permitted}: limits
 * no run exhausts, every call passes; {@code rejected}: one call per hour, every call after the
 * first is rejected (answered by the fallback in {@code ratewardenWovenFallback}). Run with
 * {@code -t 1} and {@code -t 2}; all threads share each limiter.
 * Five warm-up iterations: the per-key peers over Caffeine are still getting faster after three.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class InMemoryBenchmark {

    @Param({"permitted", "rejected"})
    public String outcome;

    private Ratewarden ratewarden;
    private final Targets targets = new Targets();
    private Limiter programmatic;
    private Ratewarden exactClock;
    private Limiter programmaticExactClock;
    private Bucket bucket4j;
    private RateLimiter resilience4j;
    private com.google.common.util.concurrent.RateLimiter guava;
    private Cache<String, Bucket> bucket4jPerKey;
    private Cache<String, RateLimiter> resilience4jPerKey;
    private long capacity;

    /** Per-thread position in the key cycle. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;

        String key() {
            int i = next;
            next = i + 1 == Keys.COUNT ? 0 : i + 1;
            return Keys.ALL[i];
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        boolean permitted = outcome.equals("permitted");
        capacity = permitted ? 1_000_000_000_000L : 1;
        ratewarden = Ratewarden.builder().name("bench-" + outcome).jmx(false).build();
        Ratewarden.install(ratewarden);
        programmatic = ratewarden.limit("programmatic", Limit.of(capacity, Duration.ofHours(1)));
        exactClock = Ratewarden.builder().name("bench-exact-" + outcome).jmx(false).clockGranularity(Duration.ZERO)
                .build();
        programmaticExactClock = exactClock.limit("programmatic", Limit.of(capacity, Duration.ofHours(1)));
        programmaticExactClock.tryAcquire("");
        bucket4j = newBucket();
        resilience4j = newResilience4j("shared");
        guava = com.google.common.util.concurrent.RateLimiter.create(permitted ? 1e12 : 1.0 / 3600);
        bucket4jPerKey = Caffeine.newBuilder().maximumSize(Keys.COUNT).build();
        resilience4jPerKey = Caffeine.newBuilder().maximumSize(Keys.COUNT).build();
        for (String key : Keys.ALL) { // every cache holds its 10,000 keys before measuring
            bucket4jPerKey.get(key, k -> newBucket()).tryConsume(1);
            resilience4jPerKey.get(key, this::newResilience4j).acquirePermission();
            programmatic.tryAcquire(key);
            callQuietly(() -> targets.keyed(key));
            callQuietly(() -> targets.keyedRejecting(key));
        }
        bucket4j.tryConsume(1);
        resilience4j.acquirePermission();
        guava.tryAcquire();
        programmatic.tryAcquire("");
        callQuietly(() -> targets.noKey(1));
        callQuietly(() -> targets.noKeyRejecting(1));
        targets.withFallback(1);
        targets.withFallbackRejecting(1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        exactClock.close();
        ratewarden.close();
    }

    private Bucket newBucket() {
        return Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(capacity).refillGreedy(capacity, Duration.ofHours(1)).build())
                .build();
    }

    private RateLimiter newResilience4j(String name) {
        int perPeriod = capacity > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) capacity;
        return RateLimiter.of(name, RateLimiterConfig.custom().limitForPeriod(perPeriod)
                .limitRefreshPeriod(capacity > 1 ? Duration.ofSeconds(1) : Duration.ofHours(1))
                .timeoutDuration(Duration.ZERO).build());
    }

    private static void callQuietly(Runnable call) {
        try {
            call.run();
        } catch (RateLimitExceededException expected) {
            // the rejecting set
        }
    }

    @Benchmark
    public long baselineUnwoven() {
        return targets.unlimited(1);
    }

    @Benchmark
    public long ratewardenWovenNoKey() {
        try {
            return outcome.equals("permitted") ? targets.noKey(1) : targets.noKeyRejecting(1);
        } catch (RateLimitExceededException e) {
            return -1;
        }
    }

    @Benchmark
    public long ratewardenWovenKeyFromArgument(Cursor cursor) {
        String key = cursor.key();
        try {
            return outcome.equals("permitted") ? targets.keyed(key) : targets.keyedRejecting(key);
        } catch (RateLimitExceededException e) {
            return -1;
        }
    }

    @Benchmark
    public long ratewardenWovenFallback() {
        return outcome.equals("permitted") ? targets.withFallback(1) : targets.withFallbackRejecting(1);
    }

    @Benchmark
    public boolean ratewardenProgrammatic() {
        return programmatic.tryAcquire("", 1).allowed();
    }

    /** As {@link #ratewardenProgrammatic()}, on an instance that reads {@code System.nanoTime()} per call. */
    @Benchmark
    public boolean ratewardenProgrammaticExactClock() {
        return programmaticExactClock.tryAcquire("", 1).allowed();
    }

    @Benchmark
    public boolean bucket4jLocal() {
        return bucket4j.tryConsume(1);
    }

    @Benchmark
    public boolean resilience4jLocal() {
        return resilience4j.acquirePermission();
    }

    @Benchmark
    public boolean guavaLocal() {
        return guava.tryAcquire();
    }

    @Benchmark
    public boolean bucket4jPerKeyInCaffeine(Cursor cursor) {
        return bucket4jPerKey.get(cursor.key(), k -> newBucket()).tryConsume(1);
    }

    @Benchmark
    public boolean resilience4jPerKeyInCaffeine(Cursor cursor) {
        return resilience4jPerKey.get(cursor.key(), this::newResilience4j).acquirePermission();
    }

    @Benchmark
    public long systemNanoTime() {
        return System.nanoTime();
    }
}
