package io.ratewarden;

import io.ratewarden.redis.RatewardenRedis;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ratewarden.testing.RedisServerProcess;
import io.ratewarden.testing.TestRedis;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.redisson.config.Config;
import org.redisson.config.SentinelServersConfig;

/**
 * A master, a replica and three Sentinels, all redis-server processes: the store follows the
 * promoted replica when the master is killed under load, and a master demoted to a replica
 * (READONLY) counts as a failure, never as a rejection. Prints the times it measured.
 */
@Tag("multi-process")
class MultiProcessRedisSentinelTest {

    @Test
    void followsThePromotedReplicaAndTreatsReadOnlyAsAFailure() throws Exception {
        try (RedisServerProcess master = TestRedis.controllable();
             RedisServerProcess replica = TestRedis.controllable("--replicaof", "127.0.0.1",
                     Integer.toString(master.port()));
             RedisServerProcess s1 = RedisServerProcess.startSentinel(master.port(), "mymaster");
             RedisServerProcess s2 = RedisServerProcess.startSentinel(master.port(), "mymaster");
             RedisServerProcess s3 = RedisServerProcess.startSentinel(master.port(), "mymaster")) {
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> replica.call("INFO", "replication").contains("master_link_status:up"));
            for (RedisServerProcess sentinel : List.of(s1, s2, s3)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> sentinel.call("SENTINEL", "MASTER", "mymaster")
                        .contains("num-slaves\n1"));
            }

            Config config = new Config();
            SentinelServersConfig sentinels = config.useSentinelServers().setMasterName("mymaster")
                    .setScanInterval(500);
            List.of(s1, s2, s3).forEach(s -> sentinels.addSentinelAddress(s.url()));
            try (Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder("redis://unused:1")
                    .redis(RatewardenRedis.config(config)).redisTimeout(Duration.ofMillis(200)))) {
                assertThat(rw.storeInfo().redisUrl()).isEqualTo(s1.url() + "," + s2.url() + "," + s3.url());
                // A window of one second: whatever memory granted during the outage holds back only
                // the first second after recovery (no over-admission around recovery), so Redis
                // decides again soon however fast the load ran in memory.
                Limiter limiter = rw.limit("sentinel", Limit.of(1_000_000, Duration.ofSeconds(1)));
                try (LoadThreads load = new LoadThreads(limiter, 4)) {
                    await().until(() -> load.redisDecisions.get() > 500);
                    load.resetSlowest();
                    long killedAt = System.nanoTime();
                    master.kill();
                    RedisFixtures.awaitBackend(rw, Backend.IN_MEMORY);
                    long detected = System.nanoTime() - killedAt;
                    await().atMost(Duration.ofSeconds(30)).until(() -> s1.call("SENTINEL",
                            "GET-MASTER-ADDR-BY-NAME", "mymaster").endsWith("\n" + replica.port()));
                    long promoted = System.nanoTime() - killedAt;
                    RedisFixtures.awaitBackend(rw, Backend.REDIS);
                    long recovered = System.nanoTime() - killedAt;
                    long redisBefore = load.redisDecisions.get();
                    await().atMost(RedisFixtures.STATE_REACHED).until(() -> load.redisDecisions.get() > redisBefore + 500);
                    load.stop();
                    System.out.printf("sentinel: kill -9 of the master: in memory after %d ms, replica promoted"
                            + " after %d ms, back on Redis after %d ms; %d calls, slowest %d ms, %s%n",
                            detected / 1_000_000, promoted / 1_000_000, recovered / 1_000_000, load.calls.get(),
                            load.slowest().toMillis(), load.stallText());
                    assertThat(load.thrown).as("exceptions reaching callers").isEmpty();
                    assertThat(load.slowest()).as("no call waits past the timeout; %s", load.stallText())
                            .isLessThan(load.bound(Duration.ofMillis(200 + 50)));
                }

                // The promoted master is demoted by hand: its READONLY answers are failures.
                Limiter small = rw.limit("demoted", Limit.of(2, Duration.ofMinutes(1)));
                assertThat(small.tryAcquire("k").decidedBy()).isEqualTo(Backend.REDIS);
                int nowhere = RedisServerProcess.freePort();
                replica.call("REPLICAOF", "127.0.0.1", Integer.toString(nowhere));
                Decision readOnly = small.tryAcquire("k");
                assertThat(readOnly.allowed()).as("decided by the fallback, not rejected: %s %s", readOnly, rw.storeInfo()).isTrue();
                assertThat(readOnly.decidedBy()).isEqualTo(Backend.IN_MEMORY);
                assertThat(rw.storeInfo().lastError()).contains("READONLY");
                replica.call("REPLICAOF", "NO", "ONE");
                RedisFixtures.awaitBackend(rw, Backend.REDIS);
            }
        }
    }
}
