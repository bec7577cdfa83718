package io.ratewarden.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ratewarden.testing.LogWatch;
import io.ratewarden.testing.TestRedis;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.redisson.api.RKeys;
import org.redisson.api.RRateLimiter;
import org.redisson.api.RScript;
import org.redisson.api.RType;
import org.redisson.api.RateType;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * What {@link RedissonLimiterLayout} assumes of Redisson's {@code RRateLimiter}, checked against
 * the Redisson on the class path and a real Redis: this test fails when an upgrade changes the
 * keys, their types, the member format of a grant, or the errors the decision script mimics.
 */
@Tag("redis")
class RedissonLimiterLayoutTest {

    @RegisterExtension
    static final LogWatch LOG = LogWatch.failOnError();

    private static TestRedis.Endpoint redis;
    private static RedisConnection connection;
    private static RedissonClient client;

    @BeforeAll
    static void connect() throws Exception {
        redis = TestRedis.any();
        connection = RedisConnection.fromUrl(redis.url());
        client = connection.client();
    }

    @AfterAll
    static void disconnect() throws Exception {
        if (connection != null) {
            connection.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void redissonKeepsALimiterInTheThreeKeysTheScriptReadsAndSeesTheScriptsGrants() {
        String name = "rw-layout:" + UUID.randomUUID();
        RRateLimiter limiter = client.getRateLimiter(name);
        assertThat(limiter.trySetRate(RateType.OVERALL, 5, Duration.ofSeconds(30), Duration.ofSeconds(61))).isTrue();
        assertThat(limiter.tryAcquire(2)).isTrue();

        RKeys keys = client.getKeys();
        List<Object> layout = RedissonLimiterLayout.keysOf(name);
        assertThat(keys.getType((String) layout.get(0))).as("the configuration hash").isEqualTo(RType.MAP);
        assertThat(keys.getType((String) layout.get(1))).as("the permits left").isEqualTo(RType.OBJECT);
        assertThat(keys.getType((String) layout.get(2))).as("the grants").isEqualTo(RType.ZSET);

        assertThat(decide(name, 3, 5, 30_000)).as("Redisson's 2 grants leave room for 3, and none after").isZero();
        assertThat(decide(name, 1, 5, 30_000)).as("full: minus the µs until the oldest grant leaves")
                .isBetween(-30_000_000L, -1L);
        assertThat(limiter.availablePermits()).as("Redisson counts the script's grants").isZero();
        assertThat(limiter.tryAcquire(1)).isFalse();
    }

    @Test
    void theScriptReadsTheCostOfGrantsRedissonMadeWhenTheyLeaveTheWindow() {
        String name = "rw-layout:" + UUID.randomUUID();
        RRateLimiter limiter = client.getRateLimiter(name);
        limiter.trySetRate(RateType.OVERALL, 5, Duration.ofMillis(500), Duration.ofMillis(2_000));
        assertThat(limiter.tryAcquire(5)).isTrue();
        assertThat(decide(name, 1, 5, 500)).isNegative();
        // Room for 5 at once comes back only if the script read Redisson's grant as 5 permits.
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> decide(name, 5, 5, 500) >= 0);
        assertThat(decide(name, 1, 5, 500)).isNegative();
    }

    @Test
    void theScriptMakesAMissingLimiterAsRedissonWouldAndFollowsAChangedRate() {
        String name = "rw-layout:" + UUID.randomUUID();
        assertThat(decide(name, 2, 5, 30_000)).as("a missing limiter is made, and decides").isEqualTo(3);
        RRateLimiter limiter = client.getRateLimiter(name);
        assertThat(limiter.getConfig().getRate()).isEqualTo(5);
        assertThat(limiter.getConfig().getRateInterval()).isEqualTo(30_000);
        assertThat(limiter.getConfig().getRateType()).isEqualTo(RateType.OVERALL);
        assertThat(limiter.availablePermits()).as("Redisson reads the limiter the script made").isEqualTo(3);

        assertThat(decide(name, 3, 5, 30_000)).isZero();
        assertThat(decide(name, 1, 5, 30_000)).as("exhausted").isNegative();
        assertThat(decide(name, 3, 8, 30_000)).as("a rate raised from 5 to 8 gives 3 more at once").isZero();
        assertThat(decide(name, 1, 8, 30_000)).isNegative();
        assertThat(limiter.getConfig().getRate()).as("and Redisson sees the new rate").isEqualTo(8);
    }

    private static long decide(String name, long cost, long rate, long intervalMillis) {
        String result = client.getScript(StringCodec.INSTANCE).eval(name, RScript.Mode.READ_WRITE,
                RedissonLimiterLayout.DECIDE_SCRIPT, RScript.ReturnType.VALUE, RedissonLimiterLayout.keysOf(name),
                Long.toString(cost), Long.toString(rate), Long.toString(intervalMillis),
                Long.toString(2 * intervalMillis + 1_000), Long.toHexString(System.nanoTime()), "0");
        return Long.parseLong(result);
    }
}
