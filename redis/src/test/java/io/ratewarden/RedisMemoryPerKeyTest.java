package io.ratewarden;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.testing.RedisServerProcess;
import io.ratewarden.testing.TestRedis;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Redis memory per limited key (MEMORY USAGE of its three keys) and Redis CPU per call (INFO
 * cpu), on a server of the test's own: the figures docs/redis-setup.md and docs/scaling.md quote.
 */
@Tag("redis")
class RedisMemoryPerKeyTest {

    @Test
    void memoryPerKeyGrowsWithTheGrantsInTheWindow() throws Exception {
        try (RedisServerProcess server = TestRedis.controllable();
             Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder(server.url())
                     .redisTimeout(Duration.ofSeconds(2)).keyPrefix("rw:"))) {
            long perKeyOneGrant = measure(server, rw, "one", 20, 1);
            long perKeyHundredGrants = measure(server, rw, "hundred", 20, 100);
            long perKeyThousandGrants = measure(server, rw, "thousand", 5, 1_000);
            System.out.printf("Redis %s: %d B per key holding 1 grant, %d B with 100 grants (%d B per grant),"
                    + " %d B with 1000 grants (%d B per grant)%n", server.call("INFO", "server").lines()
                            .filter(l -> l.startsWith("redis_version")).findFirst().orElse("?"),
                    perKeyOneGrant, perKeyHundredGrants, (perKeyHundredGrants - perKeyOneGrant) / 99,
                    perKeyThousandGrants, (perKeyThousandGrants - perKeyOneGrant) / 999);
            assertThat(perKeyOneGrant).isBetween(100L, 2_000L);
            assertThat(perKeyThousandGrants).isGreaterThan(perKeyHundredGrants).isGreaterThan(perKeyOneGrant);
        }
    }

    @ParameterizedTest
    @EnumSource(RedisAlgorithm.class)
    void redisCpuPerCall(RedisAlgorithm algorithm) throws Exception {
        try (RedisServerProcess server = TestRedis.controllable();
             Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder(server.url()).redisAlgorithm(algorithm)
                     .overLimitCache(false).redisTimeout(Duration.ofSeconds(2)))) {
            Limiter granting = rw.limit("cpu-granted", Limit.of(1_000_000, Duration.ofSeconds(10)));
            Limiter rejecting = rw.limit("cpu-rejected", Limit.of(100, Duration.ofMinutes(10)));
            for (int i = 0; i < 2_000; i++) { // warm up both paths
                granting.tryAcquire("warm-" + (i % 100));
                rejecting.tryAcquire("warm");
            }
            int calls = 10_000;
            double cpuBefore = cpuSeconds(server);
            for (int i = 0; i < calls; i++) {
                assertThat(granting.tryAcquire("user-" + (i % 1_000)).allowed()).isTrue();
            }
            double grantedMicros = (cpuSeconds(server) - cpuBefore) * 1e6 / calls;
            cpuBefore = cpuSeconds(server);
            for (int i = 0; i < calls; i++) {
                assertThat(rejecting.tryAcquire("warm").allowed()).isFalse();
            }
            double rejectedMicros = (cpuSeconds(server) - cpuBefore) * 1e6 / calls;
            System.out.printf("%s: Redis CPU per call: %.1f us granted (about 10 grants in each key's window),"
                    + " %.1f us rejected (100 grants in the window)%n", algorithm, grantedMicros, rejectedMicros);
            assertThat(grantedMicros).isPositive();
            assertThat(rejectedMicros).isPositive();
        }
    }

    private static double cpuSeconds(RedisServerProcess server) throws Exception {
        double total = 0;
        for (String line : server.call("INFO", "cpu").lines().toList()) {
            if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
                total += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        return total;
    }

    /** Bytes of one limiter's three Redis keys, by MEMORY USAGE (every element counted), averaged. */
    private static long measure(RedisServerProcess server, Ratewarden rw, String name, int keys, int grantsPerKey)
            throws Exception {
        Limiter limiter = rw.limit(name, Limit.of(grantsPerKey, Duration.ofHours(1)));
        long total = 0;
        for (int k = 0; k < keys; k++) {
            String key = String.format("user-%06d", k);
            for (int g = 0; g < grantsPerKey; g++) {
                assertThat(limiter.tryAcquire(key).decidedBy()).isEqualTo(Backend.REDIS);
            }
            String hash = "rw:" + name + ":" + key;
            for (String redisKey : new String[] {hash, "{" + hash + "}:value", "{" + hash + "}:permits"}) {
                total += Long.parseLong(server.call("MEMORY", "USAGE", redisKey, "SAMPLES", "0"));
            }
        }
        return total / keys;
    }
}
