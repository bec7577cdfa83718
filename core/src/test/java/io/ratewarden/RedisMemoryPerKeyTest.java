package io.ratewarden;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.testing.RedisServerProcess;
import io.ratewarden.testing.TestRedis;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Redis memory per limited key, measured with INFO memory on a server of the test's own: the
 * figures docs/redis-setup.md quotes. Memory grows with the grants held in the window.
 */
class RedisMemoryPerKeyTest {

    @Test
    void memoryPerKeyGrowsWithTheGrantsInTheWindow() throws Exception {
        try (RedisServerProcess server = TestRedis.controllable();
             Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder(server.url())
                     .redisTimeout(Duration.ofSeconds(2)).keyPrefix("rw:"))) {
            long perKeyOneGrant = measure(server, rw, "one", 1_000, 1);
            long perKeyHundredGrants = measure(server, rw, "hundred", 200, 100);
            long perKeyThousandGrants = measure(server, rw, "thousand", 40, 1_000);
            System.out.printf("Redis %s: %d B per key holding 1 grant, %d B with 100 grants (%d B per grant),"
                    + " %d B with 1000 grants (%d B per grant)%n", server.call("INFO", "server").lines()
                            .filter(l -> l.startsWith("redis_version")).findFirst().orElse("?"),
                    perKeyOneGrant, perKeyHundredGrants, (perKeyHundredGrants - perKeyOneGrant) / 99,
                    perKeyThousandGrants, (perKeyThousandGrants - perKeyOneGrant) / 999);
            assertThat(perKeyOneGrant).isBetween(100L, 2_000L);
            assertThat(perKeyThousandGrants).isGreaterThan(perKeyHundredGrants).isGreaterThan(perKeyOneGrant);
        }
    }

    private static long measure(RedisServerProcess server, Ratewarden rw, String name, int keys, int grantsPerKey)
            throws Exception {
        Limiter limiter = rw.limit(name, Limit.of(grantsPerKey, Duration.ofHours(1)));
        limiter.tryAcquire("warm-up");
        long before = usedMemory(server);
        for (int k = 0; k < keys; k++) {
            String key = String.format("user-%06d", k);
            for (int g = 0; g < grantsPerKey; g++) {
                assertThat(limiter.tryAcquire(key).decidedBy()).isEqualTo(Backend.REDIS);
            }
        }
        return (usedMemory(server) - before) / keys;
    }

    private static long usedMemory(RedisServerProcess server) throws Exception {
        return server.call("INFO", "memory").lines().filter(l -> l.startsWith("used_memory:"))
                .mapToLong(l -> Long.parseLong(l.substring("used_memory:".length()).trim())).findFirst().orElseThrow();
    }
}
