package io.ratewarden.aspectj;

import io.ratewarden.RatewardenBuilder;
import static java.util.concurrent.TimeUnit.MINUTES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ratewarden.Limit;
import io.ratewarden.RateLimitExceededException;
import io.ratewarden.RateLimited;
import io.ratewarden.Ratewarden;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Woven methods whose limits come from configuration: permits left to configuration, a
 * configuration that overrules the annotation, tiers chosen by an argument, shadow mode and an
 * override, all through the aspect.
 */
@Tag("unit")
class ConfiguredLimitsTest {

    /** A caller and the plan it pays for. */
    record User(String id, String plan) {
    }

    static class Quotes {
        int served;

        @RateLimited(name = "configured-quotes", key = "#user.id", tier = "#user.plan")
        void quote(User user) {
            served++;
        }

        @RateLimited(name = "overruled", permits = 100, window = 1, unit = MINUTES)
        void overruled() {
            served++;
        }

        @RateLimited(name = "trial", permits = 1, window = 1, unit = MINUTES, shadow = true)
        void trial() {
            served++;
        }
    }

    private Ratewarden ratewarden;

    private Quotes install(RatewardenBuilder builder) {
        ratewarden = builder.jmx(false).build();
        Ratewarden.install(ratewarden);
        return new Quotes();
    }

    @AfterEach
    void close() {
        ratewarden.close();
    }

    @Test
    void tiersFromConfigurationHoldTheirOwnLimitsAndANullTierTheLimitsOwn() {
        Quotes quotes = install(Ratewarden.builder()
                .configure("limits.configured-quotes.permits", "2").configure("limits.configured-quotes.window", "1m")
                .configure("limits.configured-quotes.tiers.paid.permits", "5"));
        for (int i = 0; i < 5; i++) {
            quotes.quote(new User("alice", "paid"));
        }
        assertThatThrownBy(() -> quotes.quote(new User("alice", "paid")))
                .isInstanceOfSatisfying(RateLimitExceededException.class, e -> {
                    assertThat(e.permits()).as("the tier's limit").isEqualTo(5);
                    assertThat(e.window()).isEqualTo(Duration.ofMinutes(1));
                });
        quotes.quote(new User("alice", "free"));
        quotes.quote(new User("alice", "free"));
        assertThatThrownBy(() -> quotes.quote(new User("alice", "free")))
                .isInstanceOfSatisfying(RateLimitExceededException.class, e -> assertThat(e.permits()).isEqualTo(2));
        quotes.quote(new User("alice", null));
        quotes.quote(new User("alice", null));
        assertThatThrownBy(() -> quotes.quote(new User("alice", null))).isInstanceOf(RateLimitExceededException.class);
        assertThat(quotes.served).isEqualTo(9);
    }

    @Test
    void aLimitLeftToConfigurationThatHasNoneNamesTheProperty() {
        Quotes quotes = install(Ratewarden.builder());
        assertThatThrownBy(() -> quotes.quote(new User("alice", "paid"))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ratewarden.limits.configured-quotes.permits");
    }

    @Test
    void configurationOverrulesTheAnnotationAndAnOverrideBoth() {
        Quotes quotes = install(Ratewarden.builder().configure("limits.overruled.permits", "1"));
        quotes.overruled();
        assertThatThrownBy(quotes::overruled).isInstanceOfSatisfying(RateLimitExceededException.class,
                e -> assertThat(e.permits()).isEqualTo(1));
        ratewarden.limit("overruled").override(Limit.of(3, Duration.ofMinutes(1)));
        quotes.overruled();
        quotes.overruled();
        assertThatThrownBy(quotes::overruled).isInstanceOfSatisfying(RateLimitExceededException.class,
                e -> assertThat(e.permits()).isEqualTo(3));
    }

    @Test
    void aShadowLimitLetsEveryCallThroughAndCountsWhatItWouldHaveRejected() {
        Quotes quotes = install(Ratewarden.builder());
        for (int i = 0; i < 4; i++) {
            quotes.trial();
        }
        assertThat(quotes.served).isEqualTo(4);
        assertThat(ratewarden.limit("trial").shadowRejected()).isEqualTo(3);
    }
}
