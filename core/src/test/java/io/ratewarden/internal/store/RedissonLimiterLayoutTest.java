package io.ratewarden.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ratewarden.internal.RedisConnection;
import io.ratewarden.testing.LogWatch;
import io.ratewarden.testing.TestRedis;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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

        assertThat(decide(name, 3)).as("Redisson's 2 grants leave room for 3").isZero();
        assertThat(decide(name, 1)).as("full: the ms until the oldest grant leaves").isBetween(1L, 30_000L);
        assertThat(limiter.availablePermits()).as("Redisson counts the script's grants").isZero();
        assertThat(limiter.tryAcquire(1)).isFalse();
    }

    @Test
    void theScriptReadsTheCostOfGrantsRedissonMadeWhenTheyLeaveTheWindow() {
        String name = "rw-layout:" + UUID.randomUUID();
        RRateLimiter limiter = client.getRateLimiter(name);
        limiter.trySetRate(RateType.OVERALL, 5, Duration.ofMillis(500), Duration.ofSeconds(3));
        assertThat(limiter.tryAcquire(5)).isTrue();
        assertThat(decide(name, 1)).isPositive();
        // Room for 5 at once comes back only if the script read Redisson's grant as 5 permits.
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> decide(name, 5) == 0);
        assertThat(decide(name, 1)).isPositive();
    }

    @Test
    void theScriptFailsAsRedissonDoesOnAMissingLimiterOrACostAboveTheRate() {
        String missing = "rw-layout:" + UUID.randomUUID();
        assertThatThrownBy(() -> decide(missing, 1)).hasMessageContaining("RateLimiter is not initialized");

        String small = "rw-layout:" + UUID.randomUUID();
        client.getRateLimiter(small).trySetRate(RateType.OVERALL, 5, Duration.ofSeconds(30), Duration.ofSeconds(61));
        assertThatThrownBy(() -> decide(small, 6))
                .hasMessageContaining("Requested permits amount cannot exceed defined rate");
        assertThatThrownBy(() -> client.getRateLimiter(small).tryAcquire(6))
                .as("the message the script copies is Redisson's own")
                .hasMessageContaining("Requested permits amount cannot exceed defined rate");
    }

    private static long decide(String name, long cost) {
        Long wait = client.getScript(StringCodec.INSTANCE).eval(name, RScript.Mode.READ_WRITE,
                RedissonLimiterLayout.DECIDE_SCRIPT, RScript.ReturnType.LONG, RedissonLimiterLayout.keysOf(name),
                Long.toString(cost), Long.toString(System.currentTimeMillis()), Long.toHexString(System.nanoTime()));
        return wait == null ? 0 : wait;
    }
}
