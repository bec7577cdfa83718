package io.ratewarden.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.ratewarden.Limit;
import io.ratewarden.Limiter;
import io.ratewarden.RateLimited;
import io.ratewarden.Ratewarden;
import io.ratewarden.testing.RedisServer;
import io.ratewarden.testing.TestRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * What a Spring Boot application sees at start-up, on the Boot line this module builds for (the
 * same test runs on Boot 4 and Boot 3.5): a malformed Redis URL fails the start without its
 * password anywhere in Boot's output, however it was given; a misspelt limit property and an
 * invalid {@code @RateLimited} on a bean fail the start naming the culprit; and two applications of
 * different names on one Redis keep separate counts.
 */
@ExtendWith(OutputCaptureExtension.class)
@Tag("redis")
@Tag("smoke")
class StartupChecksTest {

    private static final String SECRET = "s3cr3t-PW";

    /**
     * For a start these tests make fail on purpose: Boot reports a failed start at ERROR, which the
     * build report counts as a defect in any test log; in this layout the report is read by the test
     * (and the line says why it is there), not taken for an ERROR logged in normal operation.
     */
    private static final String FAILURE_EXPECTED =
            "--logging.pattern.console=[failure provoked by the test] %-5level %logger{20} - %msg%n";

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({RatewardenAutoConfiguration.class, RatewardenProxyAutoConfiguration.class})
    static class App {
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({RatewardenAutoConfiguration.class, RatewardenProxyAutoConfiguration.class})
    static class AppWithAnInvalidBean {
        @Bean
        Quotes quotes() {
            return new Quotes();
        }
    }

    static class Quotes {
        @RateLimited(name = "quotes", permits = 5, key = "#customer")
        public String quote(String user) {
            return "quote for " + user;
        }
    }

    /** Three malformed URLs, each holding the secret, given three ways. */
    static Stream<Arguments> malformedUrls() {
        List<String> urls = List.of("redis://:" + SECRET + "@127.0.0.1:notaport",
                "rediss://default:" + SECRET + "@cache.example:6380/notadb",
                "redis+tls://user:" + SECRET + "%40x@cache.example:6379");
        List<Arguments> cases = new ArrayList<>();
        for (String url : urls) {
            for (String way : List.of("--ratewarden.redis-url", "RATEWARDEN_REDIS_URL", "REDIS_URL")) {
                cases.add(Arguments.of(way, url));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} = a malformed URL")
    @MethodSource("malformedUrls")
    void aMalformedRedisUrlFailsTheStartWithoutItsPasswordInBootsReport(String way, String url, CapturedOutput output) {
        Throwable failure = catchThrowable(() -> startWith(App.class, way, url, FAILURE_EXPECTED).close());

        assertThat(failure).as("the start fails").isNotNull();
        assertThat(output.getAll()).as("Boot's failure report").contains("APPLICATION FAILED TO START")
                .contains(way.equals("REDIS_URL") ? "REDIS_URL" : "ratewarden.redis-url").doesNotContain(SECRET);
        for (Throwable t = failure; t != null; t = t.getCause()) {
            assertThat(String.valueOf(t.getMessage())).as("every message of the failure").doesNotContain(SECRET);
        }
        System.out.printf("Spring Boot %s, %s: the start failed without the secret%n", SpringBootVersion.getVersion(),
                way);
    }

    @Test
    void aMisspeltLimitPropertyFailsTheStartNamingIt(CapturedOutput output) {
        Throwable failure = catchThrowable(() -> start(App.class, "--ratewarden.limits.quotes.permit=5",
                FAILURE_EXPECTED).close());

        assertThat(failure).isNotNull();
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START").contains("ratewarden.limits.quotes.permit");
        try (ConfigurableApplicationContext fine = start(App.class, "--ratewarden.limits.quotes.permits=5",
                "--ratewarden.limits.quotes.window=1m", "--ratewarden.limits.quotes.tiers.paid.permits=50",
                "--ratewarden.limits[api.v1].shadow=true")) {
            assertThat(fine.getBean(Ratewarden.class).limit("quotes").limit()).isEqualTo(Limit.of(5, Duration.ofMinutes(1)));
        }
    }

    @Test
    void anInvalidRateLimitedBeanFailsTheStartNamingTheMethod(CapturedOutput output) {
        Throwable failure = catchThrowable(() -> start(AppWithAnInvalidBean.class, FAILURE_EXPECTED).close());

        assertThat(failure).isNotNull();
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START").contains("Quotes#quote")
                .contains("#customer");
    }

    @Test
    void twoApplicationsOfDifferentNamesOnOneRedisKeepSeparateCounts() throws Exception {
        try (RedisServer redis = TestRedis.server();
             ConfigurableApplicationContext shopA = start(App.class, "--spring.application.name=shop-a",
                     "--ratewarden.redis-url=" + redis.url(), "--ratewarden.redis-timeout=2s");
             ConfigurableApplicationContext shopB = start(App.class, "--spring.application.name=shop-b",
                     "--ratewarden.redis-url=" + redis.url(), "--ratewarden.redis-timeout=2s")) {
            Limiter onA = shopA.getBean(Ratewarden.class).limit("acc-hello", Limit.of(2, Duration.ofMinutes(1)));
            Limiter onB = shopB.getBean(Ratewarden.class).limit("acc-hello", Limit.of(2, Duration.ofMinutes(1)));
            assertThat(onA.tryAcquire("alice", 2).allowed()).isTrue();
            assertThat(onA.tryAcquire("alice").allowed()).isFalse();
            assertThat(onB.tryAcquire("alice").allowed()).as("shop-b's first request for alice").isTrue();
            assertThat(onB.tryAcquire("alice").decidedBy()).isEqualTo(io.ratewarden.Backend.REDIS);
            assertThat(redis.call("EXISTS", "{rw:shop-a:}instances")).as("shop-a's heartbeat").isEqualTo("1");
        }
    }

    /**
     * Runs an application without a web server; {@code way} is a command-line argument's name, or an
     * environment variable set for this run only.
     */
    private static ConfigurableApplicationContext startWith(Class<?> app, String way, String value, String... args) {
        if (way.startsWith("--")) {
            List<String> all = new ArrayList<>(List.of(args));
            all.add(way + "=" + value);
            return start(app, all.toArray(new String[0]));
        }
        return start(app, Map.of(way, value), args);
    }

    private static ConfigurableApplicationContext start(Class<?> app, String... args) {
        return start(app, Map.of(), args);
    }

    private static ConfigurableApplicationContext start(Class<?> app, Map<String, String> environmentVariables,
                                                        String... args) {
        SpringApplication application = new SpringApplication(app);
        application.setWebApplicationType(WebApplicationType.NONE);
        StandardEnvironment environment = new StandardEnvironment();
        Map<String, Object> variables = new HashMap<>(System.getenv());
        variables.putAll(environmentVariables);
        environment.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        variables));
        application.setEnvironment(environment);
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--ratewarden.jmx=false");
        all.add("--ratewarden.startup-wait=5s");
        return application.run(all.toArray(new String[0]));
    }
}
