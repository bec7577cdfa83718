package io.ratewarden.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ratewarden.Limit;
import io.ratewarden.internal.failover.Heartbeats;
import io.ratewarden.internal.failover.OverrideFields;
import io.ratewarden.internal.failover.StoredOverride;
import io.ratewarden.testing.LogWatch;
import io.ratewarden.testing.RedisServer;
import io.ratewarden.testing.TestRedis;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Writing overrides back after Redis lost them never brings back a stale value, on a real Redis:
 * a restore writes a field only where the hash lacks a later version of it, so instances that
 * restore at once, or after an operator's newer override or clear, agree on the newest write.
 */
@Tag("redis")
class OverrideRestoreTest {

    @RegisterExtension
    static final LogWatch LOG = LogWatch.failOnError();

    private static final Limit RAISED = Limit.of(42, Duration.ofMinutes(1));
    private static final Limit LOWERED = Limit.of(3, Duration.ofMinutes(1));

    private static RedisServer redis;

    @BeforeAll
    static void start() throws Exception {
        redis = TestRedis.server();
    }

    @AfterAll
    static void stop() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void aRestoreWritesAFieldOnlyWhereRedisLacksALaterWriteOfIt() throws Exception {
        RedisNames names = new RedisNames("rw-restore:" + UUID.randomUUID() + ":");
        RedisCommands commands = new RedisCommands(RedisConnection.fromUrl(redis.url()), Duration.ofSeconds(2));
        try {
            RedisInstances instances = new RedisInstances(commands, names, List.of());
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                    .until(() -> instances.beat("warm-up", Duration.ofSeconds(5)) != null);
            String hash = names.overrides();

            Heartbeats.StoreOutcome older = instances.storeOverride("quotes", LOWERED, null, Duration.ofSeconds(2));
            Heartbeats.StoreOutcome newer = instances.storeOverride("quotes", RAISED, null, Duration.ofSeconds(2));
            assertThat(newer.written().version()).isGreaterThan(older.written().version());
            assertThat(newer.epoch()).as("the first write made the epoch").isEqualTo(older.epoch()).isNotBlank();

            String epoch = instances.restoreOverrides(Map.of("quotes", older.written()));
            assertThat(epoch).isEqualTo(newer.epoch());
            assertThat(redis.call("HGET", hash, "quotes")).as("a stale restore changes nothing")
                    .isEqualTo(newer.written().encoded());

            Heartbeats.StoreOutcome cleared = instances.storeOverride("quotes", null, null, Duration.ofSeconds(2));
            instances.restoreOverrides(Map.of("quotes", newer.written()));
            assertThat(redis.call("HGET", hash, "quotes")).as("a clear stays cleared")
                    .isEqualTo(cleared.written().encoded()).startsWith("- ");

            redis.call("DEL", hash);
            String restoredEpoch = instances.restoreOverrides(Map.of("quotes", newer.written(),
                    OverrideFields.field("quotes", "pro"), older.written()));
            assertThat(restoredEpoch).as("a new epoch for the new hash").isNotEqualTo(epoch).isNotBlank();
            assertThat(redis.call("HGET", hash, "quotes")).isEqualTo(newer.written().encoded());
            Heartbeats.HeardOverrides heard = instances.beat("reader", Duration.ofSeconds(5)).overrides();
            assertThat(heard.epoch()).isEqualTo(restoredEpoch);
            assertThat(heard.fields()).containsEntry("quotes", newer.written())
                    .containsEntry("quotes@pro", older.written());
        } finally {
            commands.close();
        }
    }
}
