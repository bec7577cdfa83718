package io.ratewarden.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.ratewarden.Backend;
import io.ratewarden.Decision;
import io.ratewarden.Limit;
import io.ratewarden.Limiter;
import io.ratewarden.Metrics;
import io.ratewarden.Ratewarden;
import io.ratewarden.micrometer.RatewardenMetrics;
import io.ratewarden.testing.RedisServer;
import io.ratewarden.testing.TestRedis;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.management.ObjectName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The auto-configuration in application contexts, with and without Redis. */
@Tag("redis")
@Tag("smoke")
class RatewardenAutoConfigurationTest {

    private final ApplicationContextRunner contexts = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RatewardenAutoConfiguration.class,
                    BootLineSupport.HEALTH_AUTO_CONFIGURATION, RatewardenMetricsAutoConfiguration.class,
                    RatewardenWebAutoConfiguration.class));

    @Test
    void buildsOneInstanceNamedAfterTheApplicationInstallsItAndClosesIt() {
        Ratewarden[] built = new Ratewarden[1];
        contexts.withPropertyValues("spring.application.name=quotes-service").run(context -> {
            assertThat(context).hasSingleBean(Ratewarden.class).hasBean("ratewardenHealthIndicator")
                    .hasSingleBean(RatewardenMetrics.class)
                    .doesNotHaveBean(RateLimitExceededHandler.class); // not a web application
            built[0] = context.getBean(Ratewarden.class);
            assertThat(built[0].name()).isEqualTo("quotes-service");
            assertThat(Ratewarden.installed()).isSameAs(built[0]);
            assertThat(built[0].storeInfo().backend()).isEqualTo(Backend.IN_MEMORY);
        });
        Limiter afterClose = null;
        try {
            afterClose = built[0].limit("after-close", Limit.of(1, Duration.ofMinutes(1)));
            afterClose.tryAcquire("x");
        } catch (IllegalStateException closed) {
            assertThat(closed).hasMessageContaining("closed");
            return;
        }
        throw new AssertionError("the instance was not closed with its context: " + afterClose);
    }

    @Test
    void limitsTiersAndShadowModeComeFromApplicationProperties() {
        contexts.withPropertyValues("ratewarden.limits.quotes.permits=3", "ratewarden.limits.quotes.window=1m",
                "ratewarden.limits.quotes.tiers.paid.permits=10", "ratewarden.limits[api.v1].permits=7",
                "ratewarden.limits.trial.shadow=true", "ratewarden.redis-algorithm=compact",
                "ratewarden.startup-wait=0").run(context -> {
                    Ratewarden rw = context.getBean(Ratewarden.class);
                    Limiter quotes = rw.limit("quotes", Limit.of(100, Duration.ofSeconds(1)));
                    assertThat(quotes.limit()).isEqualTo(Limit.of(3, Duration.ofMinutes(1)));
                    assertThat(quotes.tier("paid").limit()).isEqualTo(Limit.of(10, Duration.ofMinutes(1)));
                    assertThat(rw.limit("api.v1").limit().permits()).isEqualTo(7);
                    assertThat(rw.limit("trial", Limit.of(1, Duration.ofMinutes(1))).isShadow()).isTrue();
                    for (int i = 0; i < 3; i++) {
                        assertThat(quotes.tryAcquire("alice").allowed()).isTrue();
                    }
                    assertThat(quotes.tryAcquire("alice").allowed()).isFalse();
                });
        contexts.withPropertyValues("ratewarden.limits.quotes.permits=0").run(context -> {
            assertThat(context).hasFailed();
            assertThat(rootCause(context.getStartupFailure()))
                    .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                    .hasMessageContaining("ratewarden.limits.quotes.permits")
                    .hasMessageContaining("permits must be at least 1");
        });
    }

    @Test
    void theEndpointReadsOverridesAndResetsLimits() {
        contexts.withConfiguration(AutoConfigurations.of(RatewardenEndpointAutoConfiguration.class))
                .withPropertyValues("management.endpoints.web.exposure.include=ratewarden",
                        "ratewarden.limits.quotes.permits=5", "ratewarden.limits.quotes.window=1m")
                .run(context -> {
                    assertThat(context).hasSingleBean(RatewardenEndpoint.class);
                    RatewardenEndpoint endpoint = context.getBean(RatewardenEndpoint.class);
                    Limiter quotes = context.getBean(Ratewarden.class).limit("quotes");
                    assertThat(quotes.tryAcquire("customer-x", 5).allowed()).isTrue();
                    assertThat(endpoint.remaining("quotes", "customer-x").getBody()).containsEntry("remaining", 0L);

                    endpoint.override("quotes", 8, 60_000, null, null);
                    assertThat(endpoint.limit("quotes")).containsEntry("permits", 8L).containsEntry("overridden", true);
                    assertThat(endpoint.remaining("quotes", "customer-x").getBody()).containsEntry("remaining", 3L);
                    endpoint.clearOverride("quotes", null);
                    assertThat(endpoint.limit("quotes")).containsEntry("permits", 5L);

                    assertThat(endpoint.reset("quotes", "customer-x").getBody()).containsEntry("remaining", 5L);
                    assertThat(endpoint.reset("nothing", "customer-x").getStatus()).as("404").isEqualTo(404);
                    assertThat(endpoint.limit("nothing")).as("404").isNull();
                    @SuppressWarnings("unchecked")
                    Map<String, Object> limits = (Map<String, Object>) endpoint.limits().get("limits");
                    assertThat(limits).containsKey("quotes");
                    assertThat(limits.toString()).doesNotContain("customer-x");
                });
        org.springframework.boot.actuate.endpoint.annotation.Endpoint endpoint = RatewardenEndpoint.class
                .getAnnotation(org.springframework.boot.actuate.endpoint.annotation.Endpoint.class);
        assertThat(endpoint.defaultAccess()).as("writes only when allowed, as Actuator's conventions say")
                .isEqualTo(org.springframework.boot.actuate.endpoint.Access.READ_ONLY);
    }

    @Test
    void theStartersMetadataDescribesTheLimitsForIdes() throws Exception {
        try (var in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            String metadata = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(metadata).contains("\"ratewarden.limits\"").contains("LimitProperties")
                    .contains("\"ratewarden.redis-algorithm\"").contains("\"ratewarden.startup-wait\"")
                    .contains("\"ratewarden.shadow\"");
        }
    }

    @Test
    void twoContextsOfOneApplicationOpenAtOnceGetTwoNamesAnExplicitNameIsKept() {
        contexts.withPropertyValues("spring.application.name=twice").run(first ->
                contexts.withPropertyValues("spring.application.name=twice").run(second -> {
                    assertThat(first.getBean(Ratewarden.class).name()).isEqualTo("twice");
                    assertThat(second.getBean(Ratewarden.class).name()).isEqualTo("twice-2");
                    contexts.withPropertyValues("ratewarden.name=twice").run(third -> {
                        assertThat(third).hasFailed();
                        assertThat(rootCause(third.getStartupFailure()))
                                .isInstanceOf(InvalidConfigurationPropertyValueException.class)
                                .hasMessageContaining("ratewarden.name").hasMessageContaining("already registered");
                    });
                }));
    }

    @Test
    void backsOffWhenTheApplicationDefinesItsOwnInstanceAndInstallsThatOne() {
        try (Ratewarden own = Ratewarden.builder().name("own").jmx(false).build()) {
            contexts.withBean(Ratewarden.class, () -> own, definition -> definition.setDestroyMethodName(""))
                    .withPropertyValues("ratewarden.name=ignored")
                    .run(context -> {
                        assertThat(context).hasSingleBean(Ratewarden.class);
                        assertThat(context.getBean(Ratewarden.class)).isSameAs(own);
                        assertThat(Ratewarden.installed()).isSameAs(own);
                    });
        }
    }

    @Test
    void usesARedissonClientBeanWhenNoAddressIsConfigured() throws Exception {
        try (RedisServer redis = TestRedis.server()) {
            Config config = new Config();
            config.useSingleServer().setAddress(redis.url());
            RedissonClient client = Redisson.create(config);
            try {
                contexts.withBean(RedissonClient.class, () -> client, definition -> definition.setDestroyMethodName(""))
                        .withPropertyValues("ratewarden.name=with-client", "ratewarden.probe-interval=100ms",
                                "ratewarden.redis-timeout=2s") // a starved machine must not decide it in memory
                        .run(context -> {
                            Ratewarden ratewarden = context.getBean(Ratewarden.class);
                            await().atMost(10, TimeUnit.SECONDS).until(ratewarden::isHealthy);
                            Decision decision = ratewarden.limit("client", Limit.of(5, Duration.ofMinutes(1)))
                                    .tryAcquire("alice");
                            assertThat(decision.decidedBy()).isEqualTo(Backend.REDIS);
                        });
                assertThat(client.isShutdown()).as("the application's client is left to the application").isFalse();
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void aBadValueFailsTheStartNamingTheProperty() {
        contexts.withPropertyValues("ratewarden.redis-timeout=-5ms").run(context -> {
            assertThat(context).hasFailed();
            assertThat(rootCause(context.getStartupFailure())).isInstanceOf(InvalidConfigurationPropertyValueException.class)
                    .hasMessageContaining("ratewarden.redis-timeout");
        });
        contexts.withPropertyValues("ratewarden.fallback-share=half").run(context -> {
            assertThat(context).hasFailed();
            assertThat(rootCause(context.getStartupFailure())).hasMessageContaining("ratewarden.fallback-share")
                    .hasMessageContaining("expected full, liveInstances or a number of instances");
        });
        contexts.withPropertyValues("ratewarden.probe-interval=soon").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("ratewarden.probe-interval");
        });
    }

    @Test
    void aBadRedisUrlFailsTheStartWithoutShowingIt() {
        contexts.withPropertyValues("ratewarden.redis-url=http://admin:s3cret-pass@cache:6379").run(context -> {
            assertThat(context).hasFailed();
            Throwable cause = rootCause(context.getStartupFailure());
            // Not Boot's invalid-value exception, whose failure report reads the raw value back.
            assertThat(cause).isInstanceOf(RatewardenStartupException.class)
                    .hasMessageContaining("ratewarden.redis-url");
            assertThat(context.getStartupFailure()).hasStackTraceContaining("ratewarden.redis-url");
            assertThat(stackTrace(context.getStartupFailure())).doesNotContain("s3cret").doesNotContain("admin");
        });
    }

    @Test
    void healthStaysUpWhileFallingBackUnlessReadinessAsksOtherwise() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        String unreachable = "ratewarden.redis-url=redis://:pw@127.0.0.1:" + closedPort;
        contexts.withPropertyValues(unreachable, "ratewarden.name=health-down", "ratewarden.probe-interval=100ms")
                .run(context -> {
                    await().atMost(10, TimeUnit.SECONDS)
                            .until(() -> BootLineSupport.health(context).details().containsKey("lastError"));
                    BootLineSupport.HealthReading health = BootLineSupport.health(context);
                    assertThat(health.status()).isEqualTo("UP");
                    assertThat(health.details()).containsEntry("backend", "IN_MEMORY").containsEntry("degraded", true)
                            .containsEntry("redisUrl", "redis://****@127.0.0.1:" + closedPort);
                    assertThat(health.details().toString()).doesNotContain(":pw@");
                });
        contexts.withPropertyValues(unreachable, "ratewarden.name=health-oos", "ratewarden.probe-interval=100ms",
                        "ratewarden.health.out-of-service-when-falling-back=true")
                .run(context -> assertThat(BootLineSupport.health(context).status()).isEqualTo("OUT_OF_SERVICE"));
        contexts.withPropertyValues("ratewarden.name=health-memory", "ratewarden.health.out-of-service-when-falling-back=true")
                .run(context -> {
                    BootLineSupport.HealthReading health = BootLineSupport.health(context);
                    assertThat(health.status()).as("no Redis configured is no outage").isEqualTo("UP");
                    assertThat(health.details()).containsEntry("degraded", false);
                });
    }

    @Test
    void jmxMicrometerAndHealthReadTheSameNumbers() throws Exception {
        try (RedisServer redis = TestRedis.server()) {
            contexts.withConfiguration(BootLineSupport.metrics())
                    .withPropertyValues("ratewarden.name=metered", "ratewarden.redis-url=" + redis.url(),
                            "ratewarden.probe-interval=200ms", "ratewarden.redis-timeout=2s")
                    .run(context -> {
                        Ratewarden rw = context.getBean(Ratewarden.class);
                        Limiter orders = rw.limit("orders", Limit.of(3, Duration.ofMinutes(1)));
                        for (int i = 0; i < 5; i++) {
                            orders.tryAcquire("alice"); // 3 permitted; the 5th rejected by the cache
                        }
                        redis.kill();
                        await().atMost(Duration.ofSeconds(30)).until(() -> !rw.isHealthy());
                        orders.tryAcquire("bob"); // decided by the failure policy, in memory
                        orders.tryAcquire("bob");

                        Metrics metrics = rw.metrics();
                        assertThat(metrics.permitted()).isEqualTo(5);
                        assertThat(metrics.rejected()).isEqualTo(2);
                        assertThat(metrics.cachedRejections()).isEqualTo(1);
                        assertThat(metrics.fallbackDecisions()).isEqualTo(2);
                        assertThat(metrics.store().failovers()).isEqualTo(1);
                        assertThat(metrics.redisCalls()).isEqualTo(4);

                        ObjectName bean = new ObjectName("io.ratewarden:type=Ratewarden,name=\"metered\"");
                        Map<String, Object> jmx = new java.util.HashMap<>();
                        for (javax.management.Attribute attribute : ManagementFactory.getPlatformMBeanServer()
                                .getAttributes(bean, new String[] {"Permitted", "Rejected", "CachedRejections",
                                        "FallbackDecisions", "Failovers", "RedisCalls", "Backend"}).asList()) {
                            jmx.put(attribute.getName(), attribute.getValue());
                        }
                        assertThat(jmx).containsEntry("Permitted", metrics.permitted())
                                .containsEntry("Rejected", metrics.rejected())
                                .containsEntry("CachedRejections", metrics.cachedRejections())
                                .containsEntry("FallbackDecisions", metrics.fallbackDecisions())
                                .containsEntry("Failovers", metrics.store().failovers())
                                .containsEntry("RedisCalls", metrics.redisCalls())
                                .containsEntry("Backend", "IN_MEMORY");

                        MeterRegistry registry = context.getBean(MeterRegistry.class);
                        assertThat(callsCounted(registry, "permitted")).isEqualTo(metrics.permitted());
                        assertThat(callsCounted(registry, "rejected")).isEqualTo(metrics.rejected());
                        assertThat(registry.get("ratewarden.cached.rejections").functionCounter().count())
                                .isEqualTo(metrics.cachedRejections());
                        assertThat(registry.get("ratewarden.fallback.decisions").functionCounter().count())
                                .isEqualTo(metrics.fallbackDecisions());
                        assertThat(registry.get("ratewarden.failovers").functionCounter().count())
                                .isEqualTo(metrics.store().failovers());
                        assertThat(registry.get("ratewarden.redis.calls").functionTimer().count())
                                .isEqualTo(metrics.redisCalls());
                        assertThat(registry.get("ratewarden.in.memory").gauge().value()).isEqualTo(1.0);

                        Map<String, Object> health = BootLineSupport.health(context).details();
                        assertThat(health).containsEntry("permitted", metrics.permitted())
                                .containsEntry("rejected", metrics.rejected())
                                .containsEntry("cachedRejections", metrics.cachedRejections())
                                .containsEntry("fallbackDecisions", metrics.fallbackDecisions())
                                .containsEntry("failovers", metrics.store().failovers())
                                .containsEntry("backend", "IN_MEMORY");
                    });
        }
    }

    private static double callsCounted(MeterRegistry registry, String outcome) {
        return registry.get("ratewarden.calls").tag("name", "orders").tag("outcome", outcome)
                .functionCounters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static Throwable rootCause(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && !(cause instanceof InvalidConfigurationPropertyValueException)) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static String stackTrace(Throwable failure) {
        java.io.StringWriter out = new java.io.StringWriter();
        failure.printStackTrace(new java.io.PrintWriter(out));
        return out.toString();
    }
}
