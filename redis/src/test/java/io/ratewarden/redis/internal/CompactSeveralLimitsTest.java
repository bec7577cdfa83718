package io.ratewarden.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ratewarden.Decision;
import io.ratewarden.Limit;
import io.ratewarden.store.LimitKey;
import io.ratewarden.testing.LogWatch;
import io.ratewarden.testing.TestRedis;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.redisson.api.RScript;

/**
 * The compact layout's decision of one call's several limits in one script call, against a real
 * Redis: all granted, or nothing taken from any bucket, whatever each bucket's shape (a log up to
 * 64 permits, slots above), and a bucket the call made or changed put back as it was.
 */
@Tag("redis")
class CompactSeveralLimitsTest {

    @RegisterExtension
    static final LogWatch LOG = LogWatch.failOnError();

    private static TestRedis.Endpoint redis;

    private RedisCommands commands;
    private RedisNames names;
    private RedisRateLimitStore store;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = TestRedis.any();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    @BeforeEach
    void open() {
        names = new RedisNames("rw-test:" + UUID.randomUUID() + ":");
        commands = new RedisCommands(RedisConnection.fromUrl(redis.url()), Duration.ofSeconds(2));
        CompactLayout layout = new CompactLayout(commands, names);
        store = new RedisRateLimitStore(commands, layout, true, true);
        RedisInstances instances = new RedisInstances(commands, names, layout.scripts());
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> instances.beat("warm-up", Duration.ofSeconds(5)) != null);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static LimitKey key(String limit, long permits) {
        return new LimitKey(limit, Limit.of(permits, Duration.ofHours(1)), "tenant");
    }

    private Decision[] together(LimitKey[] keys, long... costs) {
        return store.tryAcquireTogether(keys, costs, new long[keys.length]);
    }

    @Test
    void everyLimitGrantsTheCallOrNoneKeepsAnything() {
        LimitKey hourly = key("hourly", 1_000);
        LimitKey burst = key("burst", 10);
        LimitKey[] both = {hourly, burst};
        assertThat(store.decidesTogether()).isTrue();

        Decision[] granted = together(both, 3, 4);
        assertThat(granted).hasSize(2).allMatch(Decision::allowed);
        assertThat(store.remaining(hourly)).isEqualTo(997);
        assertThat(store.remaining(burst)).isEqualTo(6);

        Decision[] refused = together(both, 3, 7);
        assertThat(refused[0].allowed()).as("the first limit would have granted").isTrue();
        assertThat(refused[1].allowed()).isFalse();
        assertThat(refused[1].retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofHours(1));
        assertThat(store.remaining(hourly)).as("the slots' grant was put back").isEqualTo(997);
        assertThat(store.remaining(burst)).isEqualTo(6);
    }

    @Test
    void theFirstRefusalEndsTheCallAndLaterLimitsAreNotAsked() {
        LimitKey small = key("small", 2);
        LimitKey large = key("large", 500);
        store.tryAcquire(small, 2);

        Decision[] refused = together(new LimitKey[] {small, large}, 1, 1);
        assertThat(refused[0].allowed()).isFalse();
        assertThat(refused).as("one answer, the refusal").hasSize(2).containsOnlyOnce((Decision) null);
        assertThat(store.remaining(large)).as("never touched").isEqualTo(500);
    }

    @Test
    void aBucketTheRefusedCallMadeIsGoneAndAChangedOneKeepsItsExpiry() {
        LimitKey made = key("made", 100);
        LimitKey changed = key("changed", 5);
        LimitKey full = key("full", 1);
        store.tryAcquire(changed, 1);
        store.tryAcquire(full, 1);
        long expiryBefore = onBucket(changed, "return redis.call('pttl', KEYS[1])");

        Decision[] refused = together(new LimitKey[] {made, changed, full}, 1, 1, 1);
        assertThat(refused[2].allowed()).isFalse();
        assertThat(onBucket(made, "return redis.call('exists', KEYS[1])")).as("the bucket only the refused call made")
                .isZero();
        assertThat(onBucket(changed, "return redis.call('pttl', KEYS[1])"))
                .as("the expiry the grant set, not one the refused call set").isPositive()
                .isLessThanOrEqualTo(expiryBefore);
        assertThat(store.remaining(made)).isEqualTo(100);
        assertThat(store.remaining(changed)).isEqualTo(4);
    }

    /** Runs a one-line script on a bucket's key and returns its number. */
    private long onBucket(LimitKey key, String script) {
        String name = names.compact(key);
        Long answer = commands.scripts().eval(name, RScript.Mode.READ_ONLY, script, RScript.ReturnType.LONG,
                List.of(name));
        return answer;
    }
}
