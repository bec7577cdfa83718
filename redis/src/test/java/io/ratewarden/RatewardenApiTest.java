package io.ratewarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ratewarden.internal.settings.EnvironmentSettings;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The programmatic API and configuration from the environment. */
@Tag("redis")
class RatewardenApiTest {

    private final AtomicLong now = new AtomicLong();
    private final Ticker ticker = now::get;

    @Test
    void limiterDecidesPerKeyAndReportsRetryAfter() {
        try (Ratewarden rw = Ratewarden.builder().name("api-test").ticker(ticker).build()) {
            Limiter api = rw.limit("api", Limit.of(2, Duration.ofSeconds(10)));
            assertThat(api.tryAcquire("alice", 2)).isEqualTo(new Decision(true, Backend.IN_MEMORY, Duration.ZERO));
            Decision rejected = api.tryAcquire("alice");
            assertThat(rejected.allowed()).isFalse();
            assertThat(rejected.decidedBy()).isEqualTo(Backend.IN_MEMORY);
            assertThat(rejected.retryAfter()).as("exact: the grants leave the window 10 s after they were made")
                    .isEqualTo(Duration.ofSeconds(10));
            assertThat(api.tryAcquire("bob").allowed()).isTrue();
            assertThat(api.tryAcquire(null).allowed()).isTrue();
            assertThat(api.tryAcquire("null").allowed()).as("null is the text null").isTrue();
            assertThat(api.tryAcquire("null").allowed()).isFalse();

            now.addAndGet(Duration.ofSeconds(11).toNanos());
            assertThat(api.tryAcquire("alice").allowed()).isTrue();
        }
    }

    @Test
    void aGrantReportsThePermitsLeftWhenTheInstanceIsAskedTo() {
        try (Ratewarden quiet = Ratewarden.builder().jmx(false).build();
             Ratewarden reporting = Ratewarden.builder().jmx(false).reportRemaining(true).build()) {
            assertThat(quiet.limit("api", Limit.of(3, Duration.ofMinutes(1))).tryAcquire("alice").remaining())
                    .isEqualTo(Decision.NOT_REPORTED);
            Limiter api = reporting.limit("api", Limit.of(3, Duration.ofMinutes(1)));
            for (String key : new String[] {"alice", ""}) {
                assertThat(api.tryAcquire(key).remaining()).as("%s after one", key).isEqualTo(2);
                assertThat(api.tryAcquire(key, 2).remaining()).isZero();
                Decision rejected = api.tryAcquire(key);
                assertThat(rejected.allowed()).isFalse();
                assertThat(rejected.remaining()).isZero();
            }
            Limiter large = reporting.limit("large", Limit.of(1_000, Duration.ofMinutes(1)));
            assertThat(large.tryAcquire("bob", 10).remaining()).as("the slots").isEqualTo(990);
        }
    }

    @Test
    void aRejectionsMessageNamesTheLimitButNotTheKey() {
        RateLimitExceededException rejection = new RateLimitExceededException("quotes", "alice@example.com", 2,
                Duration.ofMinutes(1), Duration.ofSeconds(59));
        assertThat(rejection.getMessage()).isEqualTo("Rate limit 'quotes' exceeded: 2 per PT1M; retry after PT59S")
                .doesNotContain("alice");
        assertThat(rejection).hasToString(RateLimitExceededException.class.getName() + ": " + rejection.getMessage());
        assertThat(rejection.key()).as("the key stays available to the code that handles it")
                .isEqualTo("alice@example.com");
    }

    @Test
    void theSharedBucketIsOneBucketWhicheverMethodAsksIt() {
        try (Ratewarden rw = Ratewarden.builder().name("shared-api").ticker(ticker).build()) {
            Limiter api = rw.limit("api", Limit.of(3, Duration.ofSeconds(10)));
            assertThat(api.tryAcquireKeyless(2, FailurePolicy.DEFAULT).allowed()).isTrue();
            assertThat(api.tryAcquire("", 1).allowed()).as("3 permits, 2 taken").isTrue();
            Decision rejected = api.tryAcquireKeyless(1, FailurePolicy.DEFAULT);
            assertThat(rejected.allowed()).isFalse();
            assertThat(rejected.decidedBy()).isEqualTo(Backend.IN_MEMORY);
            assertThat(api.tryAcquire("other", 3).allowed()).as("another key, another bucket").isTrue();
            assertThatThrownBy(() -> api.tryAcquireKeyless(4, FailurePolicy.DEFAULT))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void permitsOutsideTheLimitAreRejectedAsArguments() {
        try (Ratewarden rw = Ratewarden.builder().build()) {
            Limiter api = rw.limit("api", Limit.of(2, Duration.ofSeconds(1)));
            assertThatThrownBy(() -> api.tryAcquire("a", 3)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("permits must be between 1 and 2 for limit 'api', was 3");
            assertThatThrownBy(() -> api.tryAcquire("a", 0)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aNameHasOneDefinitionPerInstance() {
        try (Ratewarden rw = Ratewarden.builder().name("definitions").build()) {
            Limiter first = rw.limit("api", Limit.of(2, Duration.ofSeconds(1)));
            assertThat(rw.limit("api", Limit.of(2, Duration.ofMillis(1000)))).isSameAs(first);
            assertThatThrownBy(() -> rw.limit("api", Limit.of(3, Duration.ofSeconds(1))))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("Limit 'api' of Ratewarden 'definitions' is already defined as 2 per PT1S;"
                            + " cannot redefine it as 3 per PT1S. To change a limit while the service runs, override"
                            + " it (Limiter.override), or configure it: ratewarden.limits.api.permits and .window");
        }
    }

    @Test
    void closedInstanceRejectsCallsAndCloseIsIdempotent() {
        Ratewarden rw = Ratewarden.builder().name("closing").build();
        Limiter api = rw.limit("api", Limit.of(2, Duration.ofSeconds(1)));
        rw.close();
        rw.close();
        assertThatThrownBy(() -> api.tryAcquire("a")).isInstanceOf(IllegalStateException.class)
                .hasMessage("Ratewarden 'closing' is closed");
        assertThatThrownBy(() -> api.tryAcquireKeyless(1, FailurePolicy.DEFAULT)).isInstanceOf(IllegalStateException.class)
                .hasMessage("Ratewarden 'closing' is closed");
    }

    @Test
    void storeInfoOfTheInMemoryStore() {
        try (Ratewarden rw = Ratewarden.builder().build()) {
            rw.limit("api", Limit.of(2, Duration.ofSeconds(1))).tryAcquire("a");
            StoreInfo info = rw.storeInfo();
            assertThat(info.backend()).isEqualTo(Backend.IN_MEMORY);
            assertThat(info.healthy()).isTrue();
            assertThat(rw.isHealthy()).isTrue();
            assertThat(info.redisUrl()).isNull();
            assertThat(info.failovers()).isZero();
            assertThat(info.localKeys()).isEqualTo(1);
        }
    }

    @Test
    void builderRejectsBadSettings() {
        assertThatThrownBy(() -> Ratewarden.builder().localMaxKeys(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("localMaxKeys must be at least 1, was 0");
        assertThatThrownBy(() -> Ratewarden.builder().failurePolicy(FailurePolicy.DEFAULT))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ratewarden.builder().name(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Limit.of(0, Duration.ofSeconds(1))).hasMessage("permits must be at least 1, was 0");
        assertThatThrownBy(() -> Limit.of(1, Duration.ofNanos(1500))).hasMessageContaining("at least 1 ms");
        assertThatThrownBy(() -> Limit.of(1, Duration.ofNanos(1_500_000))).hasMessageContaining("whole number");
    }

    @Test
    void environmentSettingsApplyWithPropertiesWinning() {
        Properties properties = new Properties();
        properties.setProperty("ratewarden.name", "from-property");
        Map<String, String> env = Map.of("RATEWARDEN_NAME", "from-env", "RATEWARDEN_LOCAL_MAX_KEYS", "1_000",
                "RATEWARDEN_FAILURE_POLICY", "reject");
        try (Ratewarden rw = EnvironmentBuilders.applyTo(Ratewarden.builder(), env, properties).build()) {
            assertThat(rw.name()).isEqualTo("from-property");
            assertThat(rw.failurePolicy()).isEqualTo(FailurePolicy.REJECT);
        }
    }

    @Test
    void malformedEnvironmentSettingNamesTheSetting() {
        Properties properties = new Properties();
        properties.setProperty("ratewarden.localMaxKeys", "lots");
        assertThatThrownBy(() -> EnvironmentBuilders.applyTo(Ratewarden.builder(), Map.of(), properties))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ratewarden.localMaxKeys: expected a whole number, was a value of 4 characters (not shown)");
        assertThatThrownBy(() -> EnvironmentBuilders.applyTo(Ratewarden.builder(),
                Map.of("RATEWARDEN_FAILURE_POLICY", "maybe"), new Properties()))
                .hasMessage("RATEWARDEN_FAILURE_POLICY: expected one of FALLBACK_LOCAL, ALLOW, REJECT, was a value of 5"
                        + " characters (not shown)");
        assertThatThrownBy(() -> EnvironmentBuilders.applyTo(Ratewarden.builder(),
                Map.of("RATEWARDEN_LOCAL_MAX_KEYS", "0"), new Properties()))
                .hasMessage("RATEWARDEN_LOCAL_MAX_KEYS: localMaxKeys must be at least 1, was 0");
    }

    @Test
    void installReplacesTheInstanceTheAspectUses() {
        try (Ratewarden first = Ratewarden.builder().build(); Ratewarden second = Ratewarden.builder().build()) {
            Ratewarden.install(first);
            assertThat(Ratewarden.installed()).isSameAs(first);
            Ratewarden.install(second);
            assertThat(Ratewarden.installed()).isSameAs(second);
        }
    }
}
