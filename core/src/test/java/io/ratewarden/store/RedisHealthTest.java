package io.ratewarden.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.Backend;
import io.ratewarden.StoreInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The failover state machine, stepped by hand. */
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
    private final RedisHealth health = new RedisHealth("svc", "redis://h:6379", 2, clock, ticker);

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
}
