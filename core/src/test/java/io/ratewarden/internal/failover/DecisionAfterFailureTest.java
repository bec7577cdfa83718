package io.ratewarden.internal.failover;

import io.ratewarden.internal.window.ManualTicker;
import io.ratewarden.internal.failover.OutageAdmission;
import io.ratewarden.internal.window.InMemoryRateLimitStore;
import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.Decision;
import io.ratewarden.FallbackShare;
import io.ratewarden.Limit;
import io.ratewarden.store.LimitKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What an instance admits in memory on a key right after Redis, which decided that key until then,
 * failed: stepped time, one instance's view. The limit is 100 per second and this instance's share
 * 25 (four instances); this instance had taken 10 of the limit's grants on Redis.
 */
@Tag("unit")
class DecisionAfterFailureTest {

    private static final Limit LIMIT = Limit.of(100, Duration.ofSeconds(1));
    private static final long WINDOW = LIMIT.window().toNanos();
    private static final long SHARE = 25;

    private final ManualTicker ticker = new ManualTicker();
    private final InMemoryRateLimitStore store = new InMemoryRateLimitStore(100, ticker, Clock.systemUTC());
    private final OutageAdmission outage = new OutageAdmission(store, FallbackShare.divideBy(4), 100);
    private final LimitKey key = LimitKey.of("api", LIMIT, "tenant");
    private final Deque<Long> grants = new ArrayDeque<>(); // every grant's time, recorded or in memory

    /** Ten grants on Redis, 45 ms apart, then the next call at +500 ms is rejected by Redis. */
    private void tenGrantsOnRedisThen(boolean rejected) {
        grantsOnRedis(10, Duration.ofMillis(45));
        ticker.advance(Duration.ofMillis(50));
        if (rejected) {
            outage.rejectedByRedis(key, 1, 1);
        }
    }

    private Decision callAfterFailure(long failedAt) {
        Decision decision = outage.admitDuringOutage(key, 1, failedAt);
        if (decision.allowed()) {
            grants.add(ticker.read());
        }
        return decision;
    }

    private long grantsInWindowEndingNow() {
        long now = ticker.read();
        return grants.stream().filter(t -> t > now - WINDOW).count();
    }

    @Test
    void aKeyRedisWasRejectingAdmitsNoMoreThanItHeldUntilOneWindowAfterTheFailure() {
        tenGrantsOnRedisThen(true);
        long failedAt = ticker.read();

        Decision first = callAfterFailure(failedAt);
        assertThat(first.allowed()).as("the window was full everywhere, and this instance holds its 10").isFalse();
        assertThat(first.retryAfter()).as("until its own first grant leaves")
                .isLessThanOrEqualTo(Duration.ofMillis(500 + 1000 / 16 + 1));

        long grantedInFirstWindow = 0;
        long mostInAWindowDuringIt = 0;
        while (ticker.read() < failedAt + WINDOW) {
            ticker.advance(Duration.ofMillis(1));
            if (ticker.read() < failedAt + WINDOW && callAfterFailure(failedAt).allowed()) {
                grantedInFirstWindow++;
            }
            mostInAWindowDuringIt = Math.max(mostInAWindowDuringIt, grantsInWindowEndingNow());
        }
        assertThat(mostInAWindowDuringIt).as("never more than it held at the failure").isLessThanOrEqualTo(10);
        assertThat(grantedInFirstWindow).as("it grants again as its own grants leave").isBetween(8L, 10L);

        long grantedInSecondWindow = 0;
        long mostInAWindowAfter = 0;
        for (int ms = 0; ms < 1_000; ms++) {
            if (callAfterFailure(failedAt).allowed()) {
                grantedInSecondWindow++;
            }
            mostInAWindowAfter = Math.max(mostInAWindowAfter, grantsInWindowEndingNow());
            ticker.advance(Duration.ofMillis(1));
        }
        assertThat(mostInAWindowAfter).as("then its share").isEqualTo(SHARE);
        assertThat(grantedInSecondWindow).isGreaterThanOrEqualTo(SHARE - 10);
    }

    @Test
    void aRejectedCallPassesAfterItsRetryAfter() {
        tenGrantsOnRedisThen(true);
        long failedAt = ticker.read();
        int rejections = 0;
        for (int i = 0; i < 40 && ticker.read() < failedAt + 2 * WINDOW; i++) {
            Decision rejected = callAfterFailure(failedAt);
            if (rejected.allowed()) {
                continue; // several grants left in one slot
            }
            rejections++;
            ticker.advanceNanos(rejected.retryAfter().toNanos() - 1);
            assertThat(callAfterFailure(failedAt).allowed()).as("one nanosecond early, rejection %d", rejections)
                    .isFalse();
            ticker.advanceNanos(1);
            assertThat(callAfterFailure(failedAt).allowed()).as("after retryAfter, rejection %d", rejections).isTrue();
        }
        assertThat(rejections).isGreaterThanOrEqualTo(5);
    }

    @Test
    void aKeyHoldingNothingWaitsForTheEndOfTheFirstWindow() {
        outage.rejectedByRedis(key, 1, 1); // the other instances had taken the whole window
        ticker.advance(Duration.ofMillis(10));
        long failedAt = ticker.read();
        ticker.advance(Duration.ofMillis(5));
        Decision rejected = callAfterFailure(failedAt);
        assertThat(rejected.allowed()).isFalse();
        assertThat(rejected.retryAfter()).isEqualTo(LIMIT.window().minusMillis(5));
        ticker.advance(rejected.retryAfter());
        assertGrantsExactly(SHARE, failedAt);
    }

    @Test
    void aKeyRedisWasNotRejectingKeepsItsWholeShare() {
        tenGrantsOnRedisThen(false);
        assertGrantsExactly(SHARE - 10, ticker.read());
    }

    @Test
    void aRejectionMoreThanOneWindowBeforeTheFailureDoesNotCount() {
        outage.rejectedByRedis(key, 1, 1);
        ticker.advance(Duration.ofMillis(1_001));
        assertGrantsExactly(SHARE, ticker.read());
    }

    @Test
    void eachFailureReadsWhatTheKeyHeldAtThatFailure() {
        tenGrantsOnRedisThen(true);
        long firstFailure = ticker.read();
        assertThat(callAfterFailure(firstFailure).allowed()).isFalse();

        ticker.advance(Duration.ofSeconds(5)); // Redis is back, and this instance now takes 20
        grantsOnRedis(20, Duration.ofMillis(20));
        outage.rejectedByRedis(key, 1, 1);
        long secondFailure = ticker.read();
        Decision rejected = callAfterFailure(secondFailure);
        assertThat(rejected.allowed()).as("holds 20 of a full window, below its share of 25").isFalse();
        assertThat(rejected.retryAfter()).as("until the first of the 20, 400 ms old, leaves")
                .isLessThanOrEqualTo(Duration.ofMillis(600 + 1000 / 16 + 1));
        ticker.advance(rejected.retryAfter());
        assertThat(callAfterFailure(secondFailure).allowed()).as("the cap is the 20 of this failure").isTrue();
    }

    @Test
    void anInstanceThatHeldMoreThanItsShareGrantsOnlyOnceBelowItsShare() {
        grantsOnRedis(40, Duration.ofMillis(10)); // a favoured instance: 40 of the 100
        outage.rejectedByRedis(key, 1, 1);
        long failedAt = ticker.read();
        long granted = 0;
        for (int ms = 0; ms < 2_000; ms++) {
            if (callAfterFailure(failedAt).allowed()) {
                granted++;
                assertThat(grantsInWindowEndingNow()).as("window with the grant at %d ms", ms)
                        .isLessThanOrEqualTo(SHARE);
            }
            ticker.advance(Duration.ofMillis(1));
        }
        assertThat(granted).isGreaterThanOrEqualTo(SHARE);
    }

    /** Calls at the same instant: the first {@code count} pass, the next is rejected. */
    private void assertGrantsExactly(long count, long failedAt) {
        for (int i = 0; i < count; i++) {
            assertThat(callAfterFailure(failedAt).allowed()).as("call %d of %d", i + 1, count).isTrue();
        }
        assertThat(callAfterFailure(failedAt).allowed()).as("call %d", count + 1).isFalse();
    }

    private void grantsOnRedis(int count, Duration apart) {
        for (int i = 0; i < count; i++) {
            outage.grantedByRedis(key, 1);
            grants.add(ticker.read());
            ticker.advance(apart);
        }
    }
}
