package io.ratewarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The MXBeans, read as jconsole reads them: by name, through the MBean server, as open types. */
@Tag("unit")
class JmxTest {

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    private static ObjectName instance(String name) throws Exception {
        return new ObjectName("io.ratewarden:type=Ratewarden,name=" + ObjectName.quote(name));
    }

    private static ObjectName limit(String instance, String limit) throws Exception {
        return new ObjectName("io.ratewarden:type=Limit,instance=" + ObjectName.quote(instance) + ",name="
                + ObjectName.quote(limit));
    }

    @Test
    void anOperatorReadsAndResetsAKeyThroughTheLimitsMXBean() throws Exception {
        try (Ratewarden rw = Ratewarden.builder().name("jmx-operations").build()) {
            Limiter limiter = rw.limit("quotes", Limit.of(5, Duration.ofMinutes(1)));
            assertThat(limiter.tryAcquire("customer-x", 5).allowed()).isTrue();
            assertThat(limiter.tryAcquire("customer-x").allowed()).as("locked out").isFalse();

            ObjectName name = limit("jmx-operations", "quotes");
            String[] signature = {String.class.getName()};
            assertThat(server.invoke(name, "remaining", new Object[] {"customer-x"}, signature)).isEqualTo(0L);
            assertThat(server.invoke(name, "remaining", new Object[] {"customer-y"}, signature)).isEqualTo(5L);
            server.invoke(name, "reset", new Object[] {"customer-x"}, signature);
            assertThat(server.invoke(name, "remaining", new Object[] {"customer-x"}, signature)).isEqualTo(5L);
            assertThat(limiter.tryAcquire("customer-x", 5).allowed()).as("a whole window after the reset").isTrue();
            assertThat(server.getAttribute(instance("jmx-operations"), "State")).isEqualTo("HEALTHY");
        }
    }

    @Test
    void countersAreExactAfterEightThreadsOfTenThousandCalls() throws Exception {
        try (Ratewarden rw = Ratewarden.builder().name("jmx-counters").build()) {
            Limiter limiter = rw.limit("api:{v1}", Limit.of(40_000, Duration.ofHours(1)));
            ExecutorService pool = Executors.newFixedThreadPool(8);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Long>> granted = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                granted.add(pool.submit(() -> {
                    go.await();
                    long mine = 0;
                    for (int i = 0; i < 10_000; i++) {
                        mine += limiter.tryAcquire(i % 2 == 0 ? "" : "user-" + thread).allowed() ? 1 : 0;
                    }
                    return mine;
                }));
            }
            go.countDown();
            long allowed = 0;
            for (Future<Long> result : granted) {
                allowed += result.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();

            ObjectName limitName = limit("jmx-counters", "api:{v1}");
            long permitted = (Long) server.getAttribute(limitName, "Permitted");
            long rejected = (Long) server.getAttribute(limitName, "Rejected");
            assertThat(permitted).isEqualTo(allowed);
            assertThat(permitted + rejected).isEqualTo(80_000);
            assertThat(rejected).as("the empty key holds 40,000 of 40,000 calls").isZero();
            assertThat(server.getAttribute(limitName, "Permits")).isEqualTo(40_000L);
            assertThat(server.getAttribute(limitName, "WindowMillis")).isEqualTo(3_600_000L);
            ObjectName instanceName = instance("jmx-counters");
            assertThat(server.getAttribute(instanceName, "Permitted")).isEqualTo(permitted);
            assertThat(server.getAttribute(instanceName, "Rejected")).isEqualTo(rejected);

            assertThat(limiter.tryAcquire("", 1).allowed()).isFalse();
            assertThat(server.getAttribute(limitName, "Rejected")).isEqualTo(1L);
        }
    }

    @Test
    void countersCountCallsNotPermitsAcrossManyWindows() throws Exception {
        AtomicLong nanos = new AtomicLong(1_000_000_000L);
        try (Ratewarden rw = Ratewarden.builder().name("jmx-calls").ticker(nanos::get).build()) {
            Limiter limiter = rw.limit("batch", Limit.of(10, Duration.ofMillis(1_600)));
            long granted = 0;
            long rejected = 0;
            for (int round = 0; round < 50; round++) { // every round moves on by a slot or a window
                for (int call = 0; call < 7; call++) {
                    long permits = call % 3 + 1;
                    boolean allowed = (call % 2 == 0 ? limiter.tryAcquire("", permits)
                            : limiter.tryAcquire("user-" + call, permits)).allowed();
                    granted += allowed ? 1 : 0;
                    rejected += allowed ? 0 : 1;
                }
                nanos.addAndGet(round % 5 == 0 ? 2_000_000_000L : 100_000_000L);
            }
            ObjectName limitName = limit("jmx-calls", "batch");
            assertThat(rejected).as("the rounds reach the limit").isPositive();
            assertThat(server.getAttribute(limitName, "Permitted")).isEqualTo(granted);
            assertThat(server.getAttribute(limitName, "Rejected")).isEqualTo(rejected);
            assertThat(server.getAttribute(instance("jmx-calls"), "Permitted")).isEqualTo(granted);
        }
    }

    @Test
    void instanceAttributesAndProbeWithoutRedis() throws Exception {
        try (Ratewarden rw = Ratewarden.builder().name("jmx-attributes").build()) {
            rw.limit("a", Limit.of(1, Duration.ofMinutes(1))).tryAcquire("x");
            ObjectName name = instance("jmx-attributes");
            assertThat(server.getAttribute(name, "Backend")).isEqualTo("IN_MEMORY");
            assertThat(server.getAttribute(name, "Healthy")).isEqualTo(true);
            assertThat(server.getAttribute(name, "RedisUrl")).isNull();
            assertThat((String) server.getAttribute(name, "Since")).isEqualTo(rw.storeInfo().since().toString());
            assertThat(server.getAttribute(name, "Failovers")).isEqualTo(0L);
            assertThat(server.getAttribute(name, "Recoveries")).isEqualTo(0L);
            assertThat(server.getAttribute(name, "LastError")).isNull();
            assertThat(server.getAttribute(name, "RedisLatencyMillis")).isEqualTo(-1.0);
            assertThat(server.getAttribute(name, "LocalKeys")).isEqualTo(1L);
            assertThat(server.getAttribute(name, "FallbackDecisions")).isEqualTo(0L);
            assertThat(server.invoke(name, "probe", new Object[0], new String[0])).isEqualTo(true);
        }
    }

    @Test
    void twoInstancesCoexistADuplicateNameFailsAndCloseUnregisters() throws Exception {
        Ratewarden first = Ratewarden.builder().name("jmx-a").build();
        try (Ratewarden second = Ratewarden.builder().name("jmx-b").build()) {
            assertThat(server.isRegistered(instance("jmx-a"))).isTrue();
            assertThat(server.isRegistered(instance("jmx-b"))).isTrue();
            assertThatThrownBy(() -> Ratewarden.builder().name("jmx-a").build())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("'jmx-a' is already registered in JMX");
            try (Ratewarden unregistered = Ratewarden.builder().name("jmx-a").jmx(false).build()) {
                assertThat(unregistered.name()).isEqualTo("jmx-a");
            }
            first.limit("l", Limit.of(1, Duration.ofSeconds(1)));
            assertThat(server.isRegistered(limit("jmx-a", "l"))).isTrue();
            first.close();
            first.close();
            assertThat(server.isRegistered(instance("jmx-a"))).isFalse();
            assertThat(server.isRegistered(limit("jmx-a", "l"))).isFalse();
            assertThat(server.isRegistered(instance("jmx-b"))).isTrue();
        }
        try (Ratewarden again = Ratewarden.builder().name("jmx-a").build()) {
            assertThat(server.isRegistered(instance("jmx-a"))).as("the name is free again").isTrue();
        }
    }
}
