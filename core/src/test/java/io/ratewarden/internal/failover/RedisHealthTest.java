package io.ratewarden.internal.failover;

import io.ratewarden.internal.window.ManualTicker;
import io.ratewarden.internal.failover.RedisHealth;
import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.Backend;
import io.ratewarden.StoreInfo;
import io.ratewarden.testing.LogWatch;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The failover state machine, stepped by hand. */
@Tag("unit")
class RedisHealthTest {

    private static final class SteppedClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        void step(Duration duration) {
            now = now.plus(duration);
        }
    }

    private final SteppedClock clock = new SteppedClock();
    private final ManualTicker ticker = new ManualTicker();
    private final RedisHealth health = new RedisHealth("svc", "redis://h:6379", 2, Duration.ofMillis(200), clock,
            ticker);

    @Test
    void startsInMemoryAndMovesToRedisOnTheFirstSuccess() {
        assertThat(health.isHealthy()).isFalse();
        assertThat(health.info(0).backend()).isEqualTo(Backend.IN_MEMORY);
        clock.step(Duration.ofSeconds(1));
        health.probeSucceeded(Duration.ofMillis(2));
        StoreInfo info = health.info(7);
        assertThat(info.backend()).isEqualTo(Backend.REDIS);
        assertThat(info.healthy()).isTrue();
        assertThat(info.since()).isEqualTo(clock.now);
        assertThat(info.failovers()).isZero();
        assertThat(info.recoveries()).isZero();
        assertThat(info.redisLatency()).isEqualTo(Duration.ofMillis(2));
        assertThat(info.localKeys()).isEqualTo(7);
    }

    @Test
    void failsOverOnceAndRecoversAfterTwoConsecutiveSuccesses() {
        health.failed("not connected yet");
        assertThat(health.failedAt()).as("no outage before Redis first decided").isEqualTo(RedisHealth.NEVER_FAILED);
        health.probeSucceeded(Duration.ofMillis(1));
        clock.step(Duration.ofSeconds(10));
        ticker.advance(Duration.ofSeconds(10));
        health.failed("boom");
        Instant failedAt = clock.now;
        long failedAtTicker = ticker.read();
        ticker.advance(Duration.ofSeconds(1));
        health.failed("boom again");
        assertThat(health.failedAt()).as("the outage's start, not its latest failure").isEqualTo(failedAtTicker);
        StoreInfo down = health.info(0);
        assertThat(down.backend()).isEqualTo(Backend.IN_MEMORY);
        assertThat(down.failovers()).isEqualTo(1);
        assertThat(down.since()).isEqualTo(failedAt);
        assertThat(down.lastError()).isEqualTo("boom again");

        health.probeSucceeded(Duration.ofMillis(1));
        assertThat(health.isHealthy()).as("one success is not enough").isFalse();
        health.failed("flap");
        health.probeSucceeded(Duration.ofMillis(1));
        assertThat(health.isHealthy()).as("a failure resets the count").isFalse();
        clock.step(Duration.ofSeconds(3));
        health.probeSucceeded(Duration.ofMillis(1));
        StoreInfo up = health.info(0);
        assertThat(up.backend()).isEqualTo(Backend.REDIS);
        assertThat(up.recoveries()).isEqualTo(1);
        assertThat(up.failovers()).isEqualTo(1);
        assertThat(up.since()).isEqualTo(clock.now);
        assertThat(up.lastError()).isEqualTo("flap");

        ticker.advance(Duration.ofSeconds(5));
        health.failed("again");
        assertThat(health.failedAt()).as("a new outage, a new start").isEqualTo(ticker.read());
    }

    private void connect() {
        health.probeSucceeded(Duration.ofMillis(1));
        assertThat(health.isHealthy()).isTrue();
    }

    @Test
    void aSlowReplyOrAStallShorterThanFailAfterIsNoOutage() {
        connect();
        health.timedOut("Redis did not answer within 100 ms", 0);
        ticker.advance(Duration.ofMillis(150));
        health.timedOut("Redis did not answer within 100 ms", 0);
        assertThat(health.isHealthy()).as("timeouts for 150 ms < 200 ms").isTrue();
        health.callSucceeded();
        ticker.advance(Duration.ofMillis(100));
        health.timedOut("Redis did not answer within 100 ms", 0);
        assertThat(health.isHealthy()).as("a success closed the run: a new one starts").isTrue();
        assertThat(health.info(0).lastError()).as("slow replies that fail nothing over are no error").isNull();
        assertThat(health.info(0).failovers()).isZero();
    }

    @Test
    void timeoutsThatPersistForFailAfterFailOver() {
        connect();
        for (int i = 0; i < 4; i++) { // four threads timing out together count as one moment
            health.timedOut("Redis did not answer within 100 ms", 0);
        }
        assertThat(health.isHealthy()).isTrue();
        ticker.advance(Duration.ofMillis(199));
        health.timedOut("Redis did not answer within 100 ms", 0);
        assertThat(health.isHealthy()).isTrue();
        ticker.advance(Duration.ofMillis(1));
        health.timedOut("Redis did not answer within 100 ms", 0);
        assertThat(health.isHealthy()).as("no success for 200 ms").isFalse();
        assertThat(health.info(0).lastError()).isEqualTo("Redis did not answer within 100 ms");
    }

    @Test
    void anErrorReplyOrABrokenConnectionFailsOverAtOnce() {
        connect();
        health.failed("OOM command not allowed when used memory > 'maxmemory'");
        assertThat(health.isHealthy()).isFalse();
        assertThat(health.info(0).failovers()).isEqualTo(1);
    }

    @Test
    void failoversSoonAfterRecoveriesDoubleTheProbesToRecoverAndACalmMinuteResetsThem() {
        connect();
        assertThat(health.probesToRecover()).isEqualTo(2);
        health.failed("down");
        assertThat(health.probesToRecover()).as("a first outage").isEqualTo(2);
        int[] expected = {4, 8, 16, 32, 32};
        for (int flap : expected) {
            recover(health.probesToRecover());
            ticker.advance(Duration.ofSeconds(10));
            health.failed("down");
            assertThat(health.probesToRecover()).isEqualTo(flap);
        }
        recover(health.probesToRecover() - 1);
        assertThat(health.isHealthy()).as("one probe short").isFalse();
        health.probeSucceeded(Duration.ofMillis(1));
        assertThat(health.isHealthy()).isTrue();
        ticker.advance(RedisHealth.FLAP_WINDOW.plusSeconds(1));
        health.failed("down");
        assertThat(health.probesToRecover()).as("after a calm minute").isEqualTo(2);
    }

    @Test
    void recoveryIsStampedSoThatTheFirstWindowAfterItCanBeKnown() {
        connect();
        assertThat(health.recoveredAt()).isEqualTo(RedisHealth.NEVER_FAILED);
        health.failed("down");
        ticker.advance(Duration.ofSeconds(3));
        recover(2);
        assertThat(health.recoveredAt()).isEqualTo(ticker.read());
    }

    private void recover(int probes) {
        for (int i = 0; i < probes; i++) {
            health.probeSucceeded(Duration.ofMillis(1));
        }
    }

    @Test
    void theFirstFailureToReachRedisAndEachNewCauseLogOneWarnWithTheCause() {
        LogWatch log = LogWatch.failOnError();
        long mark = log.mark();
        health.failed("WRONGPASS invalid username-password pair");
        health.failed("WRONGPASS invalid username-password pair");
        health.failed("WRONGPASS invalid username-password pair");
        assertThat(health.info(0).lastError()).isEqualTo("WRONGPASS invalid username-password pair");
        health.failed("NOPERM this user has no permissions to run the 'eval' command");
        assertThat(log.linesSince(mark, LogWatch.Level.WARN)).extracting(LogWatch.Line::message)
                .containsExactly(
                        "Ratewarden 'svc': Redis redis://h:6379 is not usable, deciding in memory until it is:"
                                + " WRONGPASS invalid username-password pair",
                        "Ratewarden 'svc': Redis redis://h:6379 is not usable, deciding in memory until it is:"
                                + " NOPERM this user has no permissions to run the 'eval' command");
    }
}
