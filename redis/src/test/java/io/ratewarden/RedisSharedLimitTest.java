package io.ratewarden;

import io.ratewarden.redis.RatewardenRedis;
import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.testing.Resp;
import io.ratewarden.testing.LogWatch;
import io.ratewarden.testing.TestRedis;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/** Instances on one Redis share one limit; limits follow the code; keys stay in one slot. */
@Tag("redis")
@Tag("smoke")
class RedisSharedLimitTest {

    @RegisterExtension
    static final LogWatch LOG = LogWatch.failOnError();

    private static TestRedis.Endpoint redis;

    @BeforeAll
    static void start() throws Exception {
        redis = TestRedis.any();
    }

    @AfterAll
    static void stop() throws Exception {
        redis.close();
    }

    @Test
    void twoInstancesShareOneLimitExactly() throws Exception {
        String prefix = "rw-test:" + UUID.randomUUID() + ":";
        try (Ratewarden a = RedisFixtures.onRedis(RedisFixtures.builder(redis.url()).keyPrefix(prefix)
                     .redisTimeout(Duration.ofSeconds(2)));
             Ratewarden b = RedisFixtures.onRedis(RedisFixtures.builder(redis.url()).keyPrefix(prefix)
                     .redisTimeout(Duration.ofSeconds(2)))) {
            Limit limit = Limit.of(300, Duration.ofMinutes(1));
            List<Limiter> limiters = List.of(a.limit("shared", limit), b.limit("shared", limit));
            ExecutorService pool = Executors.newFixedThreadPool(8);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<int[]>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                Limiter limiter = limiters.get(t % 2);
                results.add(pool.submit(() -> {
                    go.await();
                    int granted = 0;
                    int byMemory = 0;
                    for (int i = 0; i < 100; i++) {
                        Decision d = limiter.tryAcquire("tenant-1");
                        granted += d.allowed() ? 1 : 0;
                        byMemory += d.decidedBy() == Backend.IN_MEMORY ? 1 : 0;
                    }
                    return new int[] {granted, byMemory};
                }));
            }
            go.countDown();
            int granted = 0;
            int byMemory = 0;
            for (Future<int[]> result : results) {
                int[] counts = result.get(60, TimeUnit.SECONDS);
                granted += counts[0];
                byMemory += counts[1];
            }
            pool.shutdown();
            System.out.printf("two instances, 8 threads, 800 calls on a limit of 300: %d granted%n", granted);
            assertThat(byMemory).as("every call decided by Redis").isZero();
            assertThat(granted).isEqualTo(300);
        }
    }

    @ParameterizedTest
    @EnumSource(RedisAlgorithm.class)
    void changingPermitsInCodeTakesEffectWithTheNextCallWithoutDeletingKeys(RedisAlgorithm algorithm) {
        String prefix = "rw-test:" + UUID.randomUUID() + ":";
        try (Ratewarden oldCode = RedisFixtures.onRedis(RedisFixtures.builder(redis.url()).keyPrefix(prefix)
                     .redisAlgorithm(algorithm));
             Ratewarden newCode = RedisFixtures.onRedis(RedisFixtures.builder(redis.url()).keyPrefix(prefix)
                     .redisAlgorithm(algorithm))) {
            Limiter before = oldCode.limit("plan", Limit.of(5, Duration.ofMinutes(1)));
            assertThat(before.tryAcquire("acme", 5).allowed()).isTrue();
            assertThat(before.tryAcquire("acme").allowed()).as("5 of 5 used").isFalse();

            Limiter raised = newCode.limit("plan", Limit.of(8, Duration.ofMinutes(1)));
            assertThat(raised.remaining("acme")).as("raised from 5 to 8: 3 more at once").isEqualTo(3);
            assertThat(raised.tryAcquire("acme", 3).allowed()).isTrue();
            assertThat(raised.tryAcquire("acme").allowed()).as("8 of 8 used").isFalse();
            // During a rolling deploy each instance decides by its own code's limit, over the same
            // grants: the key never holds more than the larger of the two.
            assertThat(before.tryAcquire("acme").allowed()).as("8 held, old code's limit 5").isFalse();
            Limiter lowered = newCode.limit("plan-lowered", Limit.of(3, Duration.ofMinutes(1)));
            Limiter wider = oldCode.limit("plan-lowered", Limit.of(5, Duration.ofMinutes(1)));
            assertThat(wider.tryAcquire("acme", 2).allowed()).isTrue();
            assertThat(lowered.tryAcquire("acme").allowed()).as("3 permits, 2 used").isTrue();
            assertThat(lowered.tryAcquire("acme").allowed()).isFalse();
            assertThat(wider.tryAcquire("acme", 2).allowed()).as("5 permits, 3 used").isTrue();
            assertThat(wider.tryAcquire("acme").allowed()).isFalse();

            // A minute, so that the grants are still in it however long the next instance takes to
            // start: a key expires one window after its last grant, by the window that granted it.
            Limiter shorter = newCode.limit("plan-window", Limit.of(2, Duration.ofMinutes(1)));
            assertThat(shorter.tryAcquire("acme", 2).allowed()).isTrue();
            try (Ratewarden newerCode = RedisFixtures.onRedis(RedisFixtures.builder(redis.url()).keyPrefix(prefix)
                    .redisAlgorithm(algorithm))) {
                Limiter hourly = newerCode.limit("plan-window", Limit.of(2, Duration.ofHours(1)));
                // The grants in the window are kept: the new, longer window still holds them.
                assertThat(hourly.tryAcquire("acme").allowed()).isFalse();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(RedisAlgorithm.class)
    void aGrantOnRedisReportsThePermitsLeftFromTheSameRoundTrip(RedisAlgorithm algorithm) {
        try (Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder(redis.url()).redisAlgorithm(algorithm)
                .reportRemaining(true).redisTimeout(Duration.ofSeconds(2)))) {
            Limiter limiter = rw.limit("reported", Limit.of(3, Duration.ofMinutes(1)));
            long callsBefore = rw.metrics().redisCalls();
            Decision first = limiter.tryAcquire("alice");
            assertThat(first.decidedBy()).isEqualTo(Backend.REDIS);
            assertThat(first.remaining()).isEqualTo(2);
            assertThat(limiter.tryAcquire("alice", 2).remaining()).isZero();
            assertThat(rw.metrics().redisCalls() - callsBefore).as("one round trip per decision").isEqualTo(2);
            Limiter large = rw.limit("reported-large", Limit.of(1_000, Duration.ofMinutes(1)));
            assertThat(large.tryAcquire("bob", 10).remaining()).isEqualTo(990);
        }
    }

    @Test
    void aLimitersRedisKeysShareOneClusterSlotWhateverTheKeyHolds() throws Exception {
        String prefix = "rw-test:" + UUID.randomUUID() + ":";
        List<String> rawKeys = List.of("plain", "{user}", "a}{b", "{", "}x{", "{}", "x:{y}:z", "%7B");
        try (Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder(redis.url()).keyPrefix(prefix)
                .redisTimeout(Duration.ofSeconds(2)))) {
            for (String raw : rawKeys) {
                Limiter limiter = rw.limit("slot:{test}", Limit.of(5, Duration.ofMinutes(1)));
                assertThat(limiter.tryAcquire(raw).decidedBy()).isEqualTo(Backend.REDIS);
            }
        }
        String[] keys = Resp.call("127.0.0.1", port(redis.url()), null, "KEYS", "*" + prefix + "*").split("\n");
        keys = Arrays.stream(keys).filter(k -> !k.equals("{" + prefix + "}instances")).toArray(String[]::new);
        Map<String, Set<Integer>> slotsByLimiter = new HashMap<>();
        for (String key : keys) {
            String limiterName = key.startsWith("{") ? key.substring(1, key.indexOf("}:")) : key;
            slotsByLimiter.computeIfAbsent(limiterName, n -> new HashSet<>()).add(slot(key));
        }
        assertThat(slotsByLimiter).hasSize(rawKeys.size());
        assertThat(slotsByLimiter.values()).allSatisfy(slots -> assertThat(slots).hasSize(1));
        assertThat(keys.length).as("hash, value and permits per limiter").isEqualTo(3 * rawKeys.size());
    }

    @Test
    void theSharedBucketIsOneBucketWhicheverMethodAsksIt() {
        try (Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder(redis.url()).redisTimeout(Duration.ofSeconds(2)))) {
            Limiter limiter = rw.limit("shared-either-way", Limit.of(3, Duration.ofMinutes(1)));
            Decision first = limiter.tryAcquireKeyless(2, FailurePolicy.DEFAULT);
            assertThat(first.allowed()).isTrue();
            assertThat(first.decidedBy()).isEqualTo(Backend.REDIS);
            assertThat(limiter.tryAcquire("", 1).allowed()).as("3 permits, 2 taken").isTrue();
            Decision rejected = limiter.tryAcquireKeyless(1, FailurePolicy.DEFAULT);
            assertThat(rejected.allowed()).isFalse();
            assertThat(rejected.decidedBy()).isEqualTo(Backend.REDIS);
            assertThat(limiter.permitted()).isEqualTo(2);
            assertThat(limiter.rejected()).isEqualTo(1);
        }
    }

    @Test
    void aClientPassedInIsUsedAndNeverShutDown() {
        Config config = new Config();
        config.useSingleServer().setAddress(redis.url());
        RedissonClient client = Redisson.create(config);
        try {
            try (Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder("redis://unused:1").redis(RatewardenRedis.client(client))
                    .redisTimeout(Duration.ofSeconds(2)))) {
                assertThat(rw.limit("owned", Limit.of(1, Duration.ofMinutes(1))).tryAcquire("k").decidedBy())
                        .isEqualTo(Backend.REDIS);
                assertThat(rw.storeInfo().redisUrl()).isEqualTo(redis.url());
            }
            assertThat(client.isShutdown()).isFalse();
            assertThat(client.getBucket("rw-test:owned-still-works").isExists()).isFalse();
        } finally {
            client.shutdown();
        }
    }

    private static int port(String url) {
        return Integer.parseInt(url.substring(url.lastIndexOf(':') + 1));
    }

    /** The Redis Cluster slot of a key: CRC16 of its hash tag, or of the whole key. */
    static int slot(String key) {
        int open = key.indexOf('{');
        if (open >= 0) {
            int close = key.indexOf('}', open + 1);
            if (close > open + 1) {
                key = key.substring(open + 1, close);
            }
        }
        int crc = 0;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            crc ^= (b & 0xff) << 8;
            for (int i = 0; i < 8; i++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
                crc &= 0xffff;
            }
        }
        return crc % 16384;
    }
}
