package io.ratewarden.aspectj;

import static java.util.concurrent.TimeUnit.HOURS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ratewarden.Backend;
import io.ratewarden.Limit;
import io.ratewarden.Limiter;
import io.ratewarden.RateLimitExceededException;
import io.ratewarden.RateLimited;
import io.ratewarden.Ratewarden;
import io.ratewarden.RedisAlgorithm;
import io.ratewarden.testing.LogWatch;
import io.ratewarden.testing.RedisServer;
import io.ratewarden.testing.TestRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;

/**
 * Several limits on one method take permits of all or of none; {@code refundOn} gives a failed
 * call's permits back; the near-limit count. On both Redis algorithms and in memory, woven.
 */
@Tag("redis")
class AllOrNothingAndRefundTest {

    @RegisterExtension
    static final LogWatch LOG = LogWatch.failOnError();

    private static RedisServer redis;
    private static final AtomicInteger TENANTS = new AtomicInteger();

    private Ratewarden ratewarden;
    private String keyPrefix;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = TestRedis.server();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    @AfterEach
    void close() {
        if (ratewarden != null) {
            ratewarden.close();
        }
    }

    static List<String> backends() {
        return List.of("IN_MEMORY", "COMPACT", "RRATE_LIMITER");
    }

    /** Installs an instance deciding on {@code backend}, and returns the backend its grants name. */
    private Backend install(String backend) {
        var builder = Ratewarden.builder().name("all-or-nothing-" + UUID.randomUUID()).jmx(false);
        keyPrefix = "rw-test:" + UUID.randomUUID() + ":";
        if (!backend.equals("IN_MEMORY")) {
            builder.redisUrl(redis.url()).redisAlgorithm(RedisAlgorithm.valueOf(backend))
                    .redisTimeout(Duration.ofSeconds(5)).keyPrefix(keyPrefix);
        }
        ratewarden = builder.build();
        Ratewarden.install(ratewarden);
        Backend decides = backend.equals("IN_MEMORY") ? Backend.IN_MEMORY : Backend.REDIS;
        await().atMost(Duration.ofSeconds(30)).until(() -> ratewarden.storeInfo().backend() == decides);
        return decides;
    }

    static class Exports {
        final AtomicInteger runs = new AtomicInteger();

        // The roomier limit first: it grants the calls the stricter one then refuses.
        @RateLimited(name = "exports-hourly", permits = 5, window = 1, unit = HOURS, key = "#tenant")
        @RateLimited(name = "exports-burst", permits = 2, window = 1, unit = HOURS, key = "#tenant")
        void export(String tenant) {
            runs.incrementAndGet();
        }

        @RateLimited(name = "exports-plain-hourly", permits = 5, window = 1, unit = HOURS)
        @RateLimited(name = "exports-plain-burst", permits = 2, window = 1, unit = HOURS)
        void exportAll() {
            runs.incrementAndGet();
        }

        @RateLimited(name = "calls-upstream", permits = 3, window = 1, unit = HOURS, key = "#tenant",
                refundOn = IllegalStateException.class)
        void callUpstream(String tenant, RuntimeException failure) {
            runs.incrementAndGet();
            if (failure != null) {
                throw failure;
            }
        }

        @RateLimited(name = "calls-upstream-async", permits = 3, window = 1, unit = HOURS, key = "#tenant",
                refundOn = IllegalStateException.class)
        CompletableFuture<String> callUpstreamAsync(String tenant, RuntimeException failure) {
            runs.incrementAndGet();
            return failure == null ? CompletableFuture.completedFuture("ok") : CompletableFuture.failedFuture(failure);
        }

        @RateLimited(name = "calls-upstream-mono", permits = 3, window = 1, unit = HOURS, key = "#tenant",
                refundOn = IllegalStateException.class)
        Mono<String> callUpstreamMono(String tenant, RuntimeException failure) {
            runs.incrementAndGet();
            return failure == null ? Mono.just("ok") : Mono.error(failure);
        }

        @RateLimited(name = "busy-hourly", permits = 50, window = 1, unit = HOURS, key = "#tenant")
        @RateLimited(name = "busy-burst", permits = 30, window = 1, unit = HOURS, key = "#tenant")
        void busy(String tenant) {
            runs.incrementAndGet();
        }

        @RateLimited(name = "ten-per-hour", permits = 10, window = 1, unit = HOURS, key = "#tenant")
        void tenPerHour(String tenant) {
            runs.incrementAndGet();
        }
    }

    private final Exports exports = new Exports();

    private static String tenant() {
        return "tenant-" + TENANTS.incrementAndGet();
    }

    private Limiter limiter(String name, long permits) {
        return ratewarden.limit(name, Limit.of(permits, Duration.ofHours(1)));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aCallRefusedByALaterLimitTakesNoPermitFromTheEarlierOne(String backend) {
        install(backend);
        String tenant = tenant();
        exports.export(tenant);
        exports.export(tenant);
        for (int i = 0; i < 4; i++) {
            assertThatThrownBy(() -> exports.export(tenant)).isInstanceOfSatisfying(RateLimitExceededException.class,
                    e -> assertThat(e.limitName()).isEqualTo("exports-burst"));
        }
        Limiter hourly = limiter("exports-hourly", 5);
        Limiter burst = limiter("exports-burst", 2);
        assertThat(hourly.remaining(tenant)).as("the refused calls' permits are back").isEqualTo(3);
        assertThat(burst.remaining(tenant)).isZero();
        assertThat(exports.runs).hasValue(2);
        assertThat(hourly.permitted()).as("a call counts as permitted once every limit granted it").isEqualTo(2);
        assertThat(hourly.rejected()).isZero();
        assertThat(burst.permitted()).isEqualTo(2);
        assertThat(burst.rejected()).as("the refusal counts on the limit that refused").isEqualTo(4);
    }

    @ParameterizedTest
    @ValueSource(strings = {"COMPACT", "RRATE_LIMITER"})
    void onTheCompactLayoutOneRoundTripDecidesEveryLimitOfACall(String backend) throws Exception {
        install(backend);
        int roundTrips = backend.equals("COMPACT") ? 1 : 2;
        String tenant = tenant();
        long before = ratewarden.metrics().redisCalls();
        exports.export(tenant);
        exports.export(tenant);
        assertThat(ratewarden.metrics().redisCalls() - before).as("round trips of two calls of two limits")
                .isEqualTo(2L * roundTrips);
        assertThatThrownBy(() -> exports.export(tenant)).isInstanceOf(RateLimitExceededException.class);
        long afterRefusal = ratewarden.metrics().redisCalls() - before;
        if (backend.equals("COMPACT")) {
            assertThat(afterRefusal).as("a refusal by the second limit: one round trip, nothing to give back")
                    .isEqualTo(3);
        } else {
            assertThat(afterRefusal).as("a refusal by the second limit: a round trip per limit").isGreaterThan(5);
        }
        assertThat(limiter("exports-hourly", 5).remaining(tenant)).isEqualTo(3);
        String fresh = tenant();
        Limiter burst = limiter("exports-burst", 2);
        burst.tryAcquire(fresh);
        burst.tryAcquire(fresh);
        assertThatThrownBy(() -> exports.export(fresh)).isInstanceOf(RateLimitExceededException.class);
        assertThat(limiter("exports-hourly", 5).remaining(fresh)).as("a bucket the refused call made is gone again")
                .isEqualTo(5);
        List<String> keys = redis.call("KEYS", keyPrefix + "*").lines().filter(line -> !line.isBlank()).toList();
        assertThat(keys).as("the buckets of both limits").hasSizeGreaterThanOrEqualTo(2);
        for (String key : keys) {
            assertThat(Long.parseLong(redis.call("PTTL", key).trim())).as("expiry of %s after the refusal", key)
                    .isPositive();
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void concurrentCallsNeverTakeMoreThanALimitAllowsAndRefusalsGiveEverythingBack(String backend)
            throws Exception {
        Backend decides = install(backend);
        String tenant = tenant();
        int threads = 8;
        int callsEach = 100;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> granted = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int t = 0; t < threads; t++) {
                granted.add(pool.submit(() -> {
                    start.await();
                    int mine = 0;
                    for (int i = 0; i < callsEach; i++) {
                        try {
                            exports.busy(tenant);
                            mine++;
                        } catch (RateLimitExceededException refused) {
                            // counted below
                        }
                    }
                    return mine;
                }));
            }
            start.countDown();
            int total = 0;
            for (Future<Integer> each : granted) {
                total += each.get(60, TimeUnit.SECONDS);
            }
            assertThat(total).as("the stricter limit's permits, all of them, and not one more").isEqualTo(30);
        } finally {
            pool.shutdownNow();
        }
        Limiter hourly = limiter("busy-hourly", 50);
        Limiter burst = limiter("busy-burst", 30);
        assertThat(hourly.remaining(tenant)).as("every refused call gave its permit back").isEqualTo(20);
        assertThat(burst.remaining(tenant)).isZero();
        assertThat(exports.runs).hasValue(30);
        assertThat(hourly.permitted(decides)).isEqualTo(30);
        assertThat(burst.permitted(decides)).isEqualTo(30);
        assertThat(burst.rejected() + hourly.rejected()).isEqualTo(threads * callsEach - 30);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aCallWithoutKeyRefusedByALaterLimitTakesNoPermitEither(String backend) {
        install(backend);
        exports.exportAll();
        exports.exportAll();
        for (int i = 0; i < 4; i++) {
            assertThatThrownBy(exports::exportAll).isInstanceOf(RateLimitExceededException.class);
        }
        Limiter hourly = limiter("exports-plain-hourly", 5);
        assertThat(hourly.remaining("")).isEqualTo(3);
        assertThat(hourly.permitted()).isEqualTo(2);
        assertThat(limiter("exports-plain-burst", 2).rejected()).isEqualTo(4);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void failuresNamedInRefundOnDoNotUseUpTheLimit(String backend) {
        install(backend);
        String tenant = tenant();
        Limiter upstream = limiter("calls-upstream", 3);
        for (int i = 0; i < 10; i++) {
            assertThatThrownBy(() -> exports.callUpstream(tenant, new IllegalStateException("503 from upstream")))
                    .isInstanceOf(IllegalStateException.class).hasMessage("503 from upstream");
        }
        assertThat(upstream.remaining(tenant)).as("ten failed calls gave their permits back").isEqualTo(3);
        assertThatThrownBy(() -> exports.callUpstream(tenant, new IllegalArgumentException("bad input")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(upstream.remaining(tenant)).as("a failure not named keeps its permit").isEqualTo(2);
        exports.callUpstream(tenant, null);
        exports.callUpstream(tenant, null);
        assertThatThrownBy(() -> exports.callUpstream(tenant, null)).isInstanceOf(RateLimitExceededException.class);
        assertThat(exports.runs).hasValue(13);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aFailedStageOrMonoGivesItsPermitsBackBeforeTheCallerSeesIt(String backend) {
        install(backend);
        String tenant = tenant();
        Limiter async = limiter("calls-upstream-async", 3);
        Limiter mono = limiter("calls-upstream-mono", 3);
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> exports.callUpstreamAsync(tenant, new IllegalStateException("503")).join())
                    .isInstanceOf(CompletionException.class).hasCauseInstanceOf(IllegalStateException.class);
            assertThat(async.remaining(tenant)).isEqualTo(3);
            assertThatThrownBy(() -> exports.callUpstreamMono(tenant, new IllegalStateException("503"))
                    .block(Duration.ofSeconds(10))).isInstanceOf(IllegalStateException.class);
            assertThat(mono.remaining(tenant)).isEqualTo(3);
        }
        assertThat(exports.callUpstreamAsync(tenant, null).join()).isEqualTo("ok");
        assertThat(exports.callUpstreamMono(tenant, null).block(Duration.ofSeconds(10))).isEqualTo("ok");
        assertThat(async.remaining(tenant)).isEqualTo(2);
        assertThat(mono.remaining(tenant)).isEqualTo(2);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void theNearLimitCountIsExactForATenPermitLimit(String backend) {
        Backend decides = install(backend);
        String tenant = tenant();
        Limiter limiter = limiter("ten-per-hour", 10);
        for (int i = 1; i <= 10; i++) {
            exports.tenPerHour(tenant);
            // Calls 8, 9 and 10 leave 2, 1 and 0 permits: at most a fifth of the limit.
            assertThat(limiter.nearLimit()).as("after call %d", i).isEqualTo(Math.max(0, i - 7));
        }
        assertThatThrownBy(() -> exports.tenPerHour(tenant)).isInstanceOf(RateLimitExceededException.class);
        assertThat(limiter.nearLimit()).as("a refused call is not near the limit: it is over").isEqualTo(3);
        assertThat(limiter.permitted(decides)).isEqualTo(10);
        exports.tenPerHour(tenant()); // another key, far from its limit
        assertThat(limiter.nearLimit()).isEqualTo(3);
    }
}
