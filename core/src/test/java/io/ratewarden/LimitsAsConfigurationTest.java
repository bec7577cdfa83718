package io.ratewarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ratewarden.internal.settings.EnvironmentSettings;
import io.ratewarden.testing.LogWatch;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Limits as configuration, in memory: named limits from settings, tiers, shadow mode, overrides,
 * and the one table of settings every textual source goes through.
 */
@Tag("unit")
class LimitsAsConfigurationTest {

    @RegisterExtension
    static final LogWatch LOG = LogWatch.failOnError();

    private static RatewardenBuilder builder() {
        return Ratewarden.builder().jmx(false);
    }

    @Test
    void aLimitWhollyInConfigurationHolds() {
        try (Ratewarden rw = builder().configure("limits.quotes.permits", "3").configure("limits.quotes.window", "1m")
                .build()) {
            Limiter quotes = rw.limit("quotes");
            assertThat(quotes.limit()).isEqualTo(Limit.of(3, Duration.ofMinutes(1)));
            for (int i = 0; i < 3; i++) {
                assertThat(quotes.tryAcquire("alice").allowed()).isTrue();
            }
            Decision rejected = quotes.tryAcquire("alice");
            assertThat(rejected.allowed()).isFalse();
            assertThat(rejected.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1));
        }
    }

    @Test
    void configurationComesBeforeTheCodePerAttribute() {
        try (Ratewarden rw = builder().configure("limits.api.permits", "2").build()) {
            Limiter api = rw.limit("api", Limit.of(10, Duration.ofMinutes(5)));
            assertThat(api.limit()).as("permits from configuration, the window from the code")
                    .isEqualTo(Limit.of(2, Duration.ofMinutes(5)));
            assertThat(api.tryAcquire("k", 2).allowed()).isTrue();
            assertThat(api.tryAcquire("k").allowed()).isFalse();
            assertThat(rw.limit("api", Limit.of(7, Duration.ofMinutes(5)))).as("code that configuration overrules"
                    + " cannot disagree with the code before it").isSameAs(api);
        }
    }

    @Test
    void aLimitDefinedNowhereNamesThePropertyToSet() {
        try (Ratewarden rw = builder().build()) {
            assertThatThrownBy(() -> rw.limit("nowhere")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("ratewarden.limits.nowhere.permits");
        }
    }

    @Test
    void tiersHoldTheirOwnLimitsInTheirOwnBucketsAndAnUnconfiguredOrNullTierHasTheLimitsOwn() {
        try (Ratewarden rw = builder().configure("limits.quotes.permits", "2")
                .configure("limits.quotes.tiers.paid.permits", "5").tier("quotes", "gold", Limit.of(9,
                        Duration.ofHours(1))).build()) {
            Limiter quotes = rw.limit("quotes", Limit.of(1, Duration.ofMinutes(1)));
            assertThat(quotes.tier("paid").limit()).as("the tier's permits, the limit's window")
                    .isEqualTo(Limit.of(5, Duration.ofMinutes(1)));
            assertThat(quotes.tier("gold").limit()).isEqualTo(Limit.of(9, Duration.ofHours(1)));
            assertThat(quotes.tier("free").limit()).as("unconfigured").isEqualTo(quotes.limit());
            assertThat(quotes.tier(null).limit()).as("no tier").isEqualTo(quotes.limit());

            for (int i = 0; i < 5; i++) {
                assertThat(quotes.tier("paid").tryAcquire("alice").allowed()).as("paid call %d", i + 1).isTrue();
            }
            assertThat(quotes.tier("paid").tryAcquire("alice").allowed()).isFalse();
            assertThat(quotes.tryAcquire("alice", 2).allowed()).as("the limit's own bucket: no count shared")
                    .isTrue();
            assertThat(quotes.tier("free").tryAcquire("alice", 2).allowed())
                    .as("an unconfigured tier: the limit's values, a bucket of its own").isTrue();
            assertThat(quotes.tier("free").tryAcquire("alice").allowed()).isFalse();
            assertThat(quotes.tier("paid").remaining("alice")).isZero();
            quotes.tier("paid").reset("alice");
            assertThat(quotes.tier("paid").remaining("alice")).isEqualTo(5);
            assertThat(quotes.remaining("alice")).as("the reset of a tier's key is that tier's").isZero();
        }
    }

    @Test
    void shadowModeRejectsNothingCountsWhatItWouldHaveRejectedAndSaysSoOnceAMinute() {
        try (Ratewarden rw = builder().name("shadow-test").configure("limits.trial.shadow", "true").build()) {
            Limiter trial = rw.limit("trial", Limit.of(2, Duration.ofMinutes(1)));
            Limiter enforced = rw.limit("enforced", Limit.of(2, Duration.ofMinutes(1)));
            assertThat(trial.isShadow()).isTrue();
            assertThat(enforced.isShadow()).isFalse();
            long mark = LOG.mark();
            for (int i = 0; i < 10; i++) {
                assertThat(trial.tryAcquire("alice").allowed()).as("call %d", i + 1).isTrue();
                assertThat(trial.tryAcquire("").allowed()).as("keyless call %d", i + 1).isTrue();
            }
            assertThat(trial.permitted()).isEqualTo(4);
            assertThat(trial.shadowRejected()).isEqualTo(16);
            assertThat(trial.rejected()).isZero();
            List<LogWatch.Line> said = LOG.linesSince(mark, LogWatch.Level.INFO).stream()
                    .filter(line -> line.message().contains("shadow")).toList();
            assertThat(said).hasSize(1);
            assertThat(said.get(0).message()).contains("'trial'").doesNotContain("alice");
            assertThat(enforced.tryAcquire("alice", 2).allowed()).isTrue();
            assertThat(enforced.tryAcquire("alice").allowed()).isFalse();
        }
        try (Ratewarden rw = builder().shadow(true).configure("limits.strict.shadow", "false").build()) {
            assertThat(rw.limit("any", Limit.of(1, Duration.ofMinutes(1))).isShadow()).as("global").isTrue();
            assertThat(rw.limit("strict", Limit.of(1, Duration.ofMinutes(1))).isShadow())
                    .as("a limit's own setting comes first").isFalse();
        }
    }

    @Test
    void anOverrideRaisesAnExhaustedKeysLimitAtOnceAndClearingRestoresTheConfiguredOne() {
        try (Ratewarden rw = builder().name("override-test").configure("limits.quotes.permits", "5")
                .configure("limits.quotes.window", "1m").build()) {
            Limiter quotes = rw.limit("quotes");
            assertThat(quotes.tryAcquire("alice", 5).allowed()).isTrue();
            assertThat(quotes.tryAcquire("", 5).allowed()).isTrue();
            long mark = LOG.mark();
            quotes.override(Limit.of(8, Duration.ofMinutes(1)));
            assertThat(quotes.limit()).isEqualTo(Limit.of(8, Duration.ofMinutes(1)));
            assertThat(quotes.remaining("alice")).isEqualTo(3);
            assertThat(quotes.tryAcquire("alice", 3).allowed()).as("3 more at once, not 8").isTrue();
            assertThat(quotes.tryAcquire("alice").allowed()).isFalse();
            assertThat(quotes.tryAcquire("", 3).allowed()).as("the keyless bucket too").isTrue();
            assertThat(quotes.tryAcquire("", 1).allowed()).isFalse();
            assertThat(LOG.linesSince(mark, LogWatch.Level.INFO)).anySatisfy(line -> assertThat(line.message())
                    .contains("'quotes'").contains("8 per PT1M").contains("5 per PT1M"));

            quotes.clearOverride();
            assertThat(quotes.limit()).isEqualTo(Limit.of(5, Duration.ofMinutes(1)));
            assertThat(quotes.tryAcquire("bob", 5).allowed()).isTrue();
            assertThat(quotes.tryAcquire("bob").allowed()).isFalse();

            quotes.tier("paid").override(Limit.of(1, Duration.ofMinutes(1)));
            assertThat(quotes.tier("paid").limit()).isEqualTo(Limit.of(1, Duration.ofMinutes(1)));
            assertThat(quotes.limit()).as("a tier's override is the tier's").isEqualTo(Limit.of(5,
                    Duration.ofMinutes(1)));
        }
    }

    @Test
    void everySourceGoesThroughOneTableWithRelaxedNames() {
        Properties properties = new Properties();
        properties.setProperty("ratewarden.limits.quotes.permits", "4");
        properties.setProperty("ratewarden.probe-interval", "2s");
        Map<String, String> env = Map.of("RATEWARDEN_LIMITS_QUOTES_PERMITS", "99",
                "RATEWARDEN_LIMITS_API_V1_PERMITS", "7", "RATEWARDEN_LIMITS_API_V1_TIERS_PAID_WINDOW", "1h",
                "RATEWARDEN_REDIS_ALGORITHM", "compact", "RATEWARDEN_STARTUP_WAIT", "0");
        RatewardenBuilder fromEnvironment = builder();
        EnvironmentSettings.applyTo(fromEnvironment.draft(), env, properties);
        try (Ratewarden rw = fromEnvironment.build()) {
            assertThat(rw.limit("quotes").limit().permits()).as("the property before the variable").isEqualTo(4);
            Limiter versioned = rw.limit("api.v1");
            assertThat(versioned.limit().permits()).as("a name in its environment form").isEqualTo(7);
            assertThat(versioned.tier("paid").limit()).isEqualTo(Limit.of(7, Duration.ofHours(1)));
            assertThat(rw.settings().probeInterval()).isEqualTo(Duration.ofSeconds(2));
            assertThat(rw.settings().redisAlgorithm()).isEqualTo(RedisAlgorithm.COMPACT);
            assertThat(rw.settings().startupWait()).isZero();
        }
        assertThatThrownBy(() -> builder().configure("redisTimout", "1s")).hasMessage("redisTimout: not a Ratewarden"
                + " setting");
        assertThatThrownBy(() -> builder().configure("limits.quotes.permits", "0"))
                .hasMessage("limits.quotes.permits: permits must be at least 1, was 0");
        assertThatThrownBy(() -> builder().configure("limits.quotes.colour", "red"))
                .hasMessageStartingWith("limits.quotes.colour: a limit's settings are permits, window, shadow");
        Map<String, String> both = new LinkedHashMap<>();
        both.put("redis-url", "redis://127.0.0.1:1");
        both.put("redisson-yaml", "/nowhere.yaml");
        assertThatThrownBy(() -> builder().configure(both)).hasMessage("redis-url and redisson-yaml are both set:"
                + " set one of them");
        Properties yamlProperty = new Properties();
        yamlProperty.setProperty("ratewarden.redissonYaml", "/nowhere.yaml");
        assertThatThrownBy(() -> EnvironmentSettings.applyTo(builder().draft(),
                Map.of("RATEWARDEN_REDIS_URL", "redis://127.0.0.1:1"), yamlProperty))
                .hasMessage("RATEWARDEN_REDIS_URL and ratewarden.redissonYaml are both set: set one of them");
    }

    @Test
    void theValidatorNamesThePropertyOfALimitDefinedNowhere() {
        class Annotated {
            @RateLimited(name = "configured-elsewhere")
            void call() {
            }
        }
        assertThat(RateLimitedValidator.validate(Annotated.class)).singleElement().asString()
                .contains("ratewarden.limits.configured-elsewhere.permits");
        try (Ratewarden rw = builder().configure("limits.configured-elsewhere.permits", "3").build()) {
            assertThat(RateLimitedValidator.validate(rw, Annotated.class)).isEmpty();
        }
    }
}
