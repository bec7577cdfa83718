package io.ratewarden.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ratewarden.FailurePolicy;
import io.ratewarden.Limit;
import io.ratewarden.Limiter;
import io.ratewarden.Ratewarden;
import io.ratewarden.testing.LogWatch;
import io.ratewarden.testing.RedisServer;
import io.ratewarden.testing.TestRedis;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The meters say what the MXBeans say: per limit, outcome and backend, on Redis and through a
 * kill of its process, and they never carry a key.
 */
@Tag("redis")
@Tag("smoke")
class RatewardenMetricsTest {

    @RegisterExtension
    final LogWatch log = LogWatch.failOnError();

    private final MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();

    @Test
    void inMemoryCallsAreCountedByLimitOutcomeAndBackend() throws Exception {
        try (Ratewarden ratewarden = Ratewarden.builder().name("metrics-memory").build()) {
            MeterRegistry registry = new SimpleMeterRegistry();
            Limiter early = ratewarden.limit("early", Limit.of(2, Duration.ofMinutes(1)));
            early.tryAcquire("alice");
            new RatewardenMetrics(ratewarden).bindTo(registry);
            Limiter late = ratewarden.limit("late", Limit.of(3, Duration.ofMinutes(1)));
            for (int i = 0; i < 5; i++) {
                early.tryAcquire("alice");
                late.tryAcquire("");
            }

            assertThat(calls(registry, "early", "permitted", "in_memory")).isEqualTo(2);
            assertThat(calls(registry, "early", "rejected", "in_memory")).isEqualTo(4);
            assertThat(calls(registry, "late", "permitted", "in_memory")).isEqualTo(3);
            assertThat(calls(registry, "late", "rejected", "in_memory")).isEqualTo(2);
            assertThat(calls(registry, "early", "permitted", "redis")).isZero();
            assertThat(registry.get("ratewarden.in.memory").gauge().value()).isEqualTo(1);
            assertThat(registry.get("ratewarden.redis.calls").functionTimer().count()).isZero();
            assertAgreesWithJmx(registry, ratewarden.name(), "early");
            assertAgreesWithJmx(registry, ratewarden.name(), "late");
            assertNoKeyTag(registry);
        }
    }

    @Test
    void redisDecisionsAndAKillShowInTheMeters() throws Exception {
        try (RedisServer redis = TestRedis.server();
             // A timeout long enough for a starved machine: a slow reply would be decided in memory,
             // and this test counts which backend decided each call.
             Ratewarden ratewarden = Ratewarden.builder().name("metrics-redis").redisUrl(redis.url())
                     .redisTimeout(Duration.ofSeconds(2)).probeInterval(Duration.ofMillis(100)).build()) {
            MeterRegistry registry = new SimpleMeterRegistry();
            new RatewardenMetrics(ratewarden).bindTo(registry);
            await().atMost(10, TimeUnit.SECONDS).until(ratewarden::isHealthy);
            Limiter limiter = ratewarden.limit("quotes", Limit.of(2, Duration.ofMinutes(1)));
            for (int i = 0; i < 3; i++) {
                limiter.tryAcquire("alice");
            }
            assertThat(calls(registry, "quotes", "permitted", "redis")).isEqualTo(2);
            assertThat(calls(registry, "quotes", "rejected", "redis")).isEqualTo(1);
            assertThat(registry.get("ratewarden.in.memory").gauge().value()).isZero();
            FunctionTimer roundTrips = registry.get("ratewarden.redis.calls").functionTimer();
            assertThat(roundTrips.count()).as("Redis answers").isEqualTo(3);
            assertThat(roundTrips.totalTime(TimeUnit.NANOSECONDS)).isPositive();

            redis.kill();
            await().atMost(10, TimeUnit.SECONDS).until(() -> !ratewarden.isHealthy());
            limiter.tryAcquire("bob");
            assertThat(registry.get("ratewarden.in.memory").gauge().value()).isEqualTo(1);
            assertThat(registry.get("ratewarden.failovers").functionCounter().count()).isEqualTo(1);
            assertThat(calls(registry, "quotes", "permitted", "in_memory")).isEqualTo(1);
            assertThat(limiter.tryAcquire("carol", 1, FailurePolicy.REJECT).storeFailure()).isTrue();
            assertThat(calls(registry, "quotes", "store_failure", "in_memory"))
                    .as("a rejection because Redis could not decide, apart from the limit's").isEqualTo(1);
            assertThat(calls(registry, "quotes", "rejected", "in_memory")).isZero();
            assertThat(jmx.getAttribute(new javax.management.ObjectName("io.ratewarden:type=Limit,instance="
                    + javax.management.ObjectName.quote(ratewarden.name()) + ",name=" + javax.management.ObjectName
                    .quote("quotes")), "StoreFailureRejected")).isEqualTo(1L);
            assertAgreesWithJmx(registry, ratewarden.name(), "quotes");
            assertNoKeyTag(registry);
        }
    }

    private static double calls(MeterRegistry registry, String name, String outcome, String backend) {
        return registry.get("ratewarden.calls").tag("name", name).tag("outcome", outcome).tag("backend", backend)
                .functionCounter().count();
    }

    private void assertAgreesWithJmx(MeterRegistry registry, String instance, String limit) throws Exception {
        ObjectName bean = new ObjectName("io.ratewarden:type=Limit,instance=" + ObjectName.quote(instance)
                + ",name=" + ObjectName.quote(limit));
        long permitted = (Long) jmx.getAttribute(bean, "Permitted");
        long rejected = (Long) jmx.getAttribute(bean, "Rejected");
        assertThat(calls(registry, limit, "permitted", "redis") + calls(registry, limit, "permitted", "in_memory"))
                .as("permitted calls of %s, meters vs MXBean", limit).isEqualTo(permitted);
        assertThat(calls(registry, limit, "rejected", "redis") + calls(registry, limit, "rejected", "in_memory"))
                .as("rejected calls of %s, meters vs MXBean", limit).isEqualTo(rejected);
    }

    private static void assertNoKeyTag(MeterRegistry registry) {
        for (Meter meter : registry.getMeters()) {
            assertThat(meter.getId().getTags()).noneMatch(tag -> tag.getKey().equals("key")
                    || tag.getValue().contains("alice") || tag.getValue().contains("bob"));
        }
    }
}
