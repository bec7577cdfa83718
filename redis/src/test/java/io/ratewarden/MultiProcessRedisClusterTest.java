package io.ratewarden;

import io.ratewarden.redis.RatewardenRedis;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ratewarden.testing.RedisClusterProcesses;
import io.ratewarden.testing.RedisServerProcess;
import java.time.Duration;
import java.util.List;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.redisson.config.ClusterServersConfig;
import org.redisson.config.Config;

/**
 * A 3-master, 3-replica Redis Cluster of redis-server processes: keys spread over the masters,
 * every limit exact, and a master killed under load. Prints the times it measured.
 */
@Tag("multi-process")
class MultiProcessRedisClusterTest {

    @Test
    void limitsAreExactAcrossMastersAndAMasterKillIsSurvived() throws Exception {
        try (RedisClusterProcesses cluster = RedisClusterProcesses.start(2_000)) {
            Config config = new Config();
            ClusterServersConfig servers = config.useClusterServers().setScanInterval(500);
            cluster.urls().forEach(servers::addNodeAddress);
            try (Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder("redis://unused:1")
                    .redis(RatewardenRedis.config(config)).keyPrefix("rw:").redisTimeout(Duration.ofMillis(200)))) {
                assertThat(rw.storeInfo().redisUrl()).isEqualTo(String.join(",", cluster.urls()));

                Limiter limiter = rw.limit("cluster", Limit.of(3, Duration.ofMinutes(5)));
                for (int k = 0; k < 1_000; k++) {
                    String key = "user-" + k + (k % 7 == 0 ? "{tag}" : "");
                    for (int i = 0; i < 3; i++) {
                        assertThat(limiter.tryAcquire(key)).isEqualTo(Decision.allowed(Backend.REDIS));
                    }
                    Decision fourth = limiter.tryAcquire(key);
                    assertThat(fourth.allowed()).isFalse();
                    assertThat(fourth.decidedBy()).isEqualTo(Backend.REDIS);
                }
                List<RedisServerProcess> masters = cluster.masters();
                assertThat(masters).hasSize(3);
                StringBuilder spread = new StringBuilder();
                for (RedisServerProcess master : masters) {
                    long limiters = Long.parseLong(master.call("DBSIZE")) / 3; // hash, value, permits
                    spread.append(limiters).append(' ');
                    assertThat(limiters).as("limiters on master %d", master.port()).isBetween(250L, 417L);
                }

                // A limit the load cannot fill in memory during the outage: in the first window
                // after the recovery a call must also fit what memory granted, and a full window
                // would keep the calls in memory, by design, long after Redis is back.
                Limiter busy = rw.limit("busy", Limit.of(1_000_000_000, Duration.ofMinutes(1)));
                try (LoadThreads load = new LoadThreads(busy, 4)) {
                    await().until(() -> load.redisDecisions.get() > 500);
                    load.resetSlowest();
                    long killedAt = System.nanoTime();
                    RedisServerProcess killed = masters.get(0);
                    killed.kill();
                    RedisFixtures.awaitBackend(rw, Backend.IN_MEMORY);
                    long detected = System.nanoTime() - killedAt;
                    try {
                        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> {
                            List<RedisServerProcess> now = cluster.masters();
                            return now.size() == 3 && !now.contains(killed);
                        });
                    } catch (ConditionTimeoutException e) {
                        throw new AssertionError("no replica took over from port " + killed.port()
                                + " within 60 s; cluster view: " + cluster.view(), e);
                    }
                    long promoted = System.nanoTime() - killedAt;
                    RedisFixtures.awaitBackend(rw, Backend.REDIS);
                    long recovered = System.nanoTime() - killedAt;
                    long redisBefore = load.redisDecisions.get();
                    try {
                        await().atMost(RedisFixtures.STATE_REACHED).until(() -> load.redisDecisions.get() > redisBefore + 500);
                    } catch (ConditionTimeoutException e) {
                        throw new AssertionError("after recovery: " + rw.storeInfo() + "; a call: "
                                + busy.tryAcquire("probe-call") + "; Redis decisions " + load.redisDecisions.get()
                                + " of " + load.calls.get() + " calls", e);
                    }
                    load.stop();
                    System.out.printf("cluster: limiters per master %s; kill -9 of a master: in memory after %d ms,"
                            + " replica promoted after %d ms, back on Redis after %d ms; %d calls, slowest %d ms,"
                            + " %d failovers, %s%n", spread.toString().trim(), detected / 1_000_000,
                            promoted / 1_000_000, recovered / 1_000_000, load.calls.get(),
                            load.slowest().toMillis(), rw.storeInfo().failovers(), load.stallText());
                    assertThat(load.thrown).as("exceptions reaching callers").isEmpty();
                    assertThat(load.slowest()).as("no call waits past the timeout; %s", load.stallText())
                            .isLessThan(load.bound(Duration.ofMillis(200 + 50)));
                }
            }
        }
    }
}
