package io.ratewarden.internal.window;

import io.ratewarden.internal.window.InMemoryRateLimitStore;
import io.ratewarden.internal.window.SlidingWindow;
import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.Decision;
import io.ratewarden.Limit;
import io.ratewarden.store.LimitKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The window contract of the in-memory store, checked with stepped time against an exact
 * sliding-log reference over many random call patterns:
 * <ul>
 *   <li>safety: no sliding window of the limit's length ever holds more than {@code permits}
 *       granted permits;</li>
 *   <li>exactness up to 64 permits: a request is granted exactly when the reference has room for
 *       it, and a rejection's {@code retryAfter} is exactly when the reference's oldest grants make
 *       room;</li>
 *   <li>bounded strictness above: a request is rejected only when the span of one window plus one
 *       slot ({@code W + W/16}) already holds too many permits to add it;</li>
 *   <li>a rejection's {@code retryAfter} is positive and never above the window.</li>
 * </ul>
 */
@Tag("unit")
class InMemoryWindowContractTest {

    private static final long SLOTS = 16;

    @RepeatedTest(300)
    void randomCallPatternsKeepTheWindowContract(RepetitionInfo repetition) {
        SplittableRandom random = new SplittableRandom(repetition.getCurrentRepetition() * 7919L);
        long permits = 1 + random.nextLong(random.nextBoolean() ? 5 : 200);
        long windowMillis = 1 + random.nextLong(random.nextBoolean() ? 20 : 5_000);
        long windowNanos = windowMillis * 1_000_000;
        Limit limit = Limit.of(permits, Duration.ofMillis(windowMillis));
        ManualTicker ticker = new ManualTicker(random.nextLong(1, Long.MAX_VALUE / 4));
        InMemoryRateLimitStore store = new InMemoryRateLimitStore(100, ticker, Clock.systemUTC());
        LimitKey key = LimitKey.of("random", limit, "k");
        Deque<long[]> log = new ArrayDeque<>(); // {time, permits} of every grant

        int calls = 2_000;
        long meanGap = Math.max(1, windowNanos / Math.max(1, permits) / (1 + random.nextInt(4)));
        for (int i = 0; i < calls; i++) {
            if (random.nextInt(10) > 0) {
                ticker.advanceNanos(random.nextLong(2 * meanGap));
            } else {
                ticker.advanceNanos(random.nextLong(windowNanos * 2)); // an idle gap
            }
            long now = ticker.read();
            long cost = 1 + random.nextLong(Math.min(permits, 3));
            Decision decision = store.tryAcquire(key, cost);
            long inWindow = sumSince(log, now - windowNanos);
            long inExtendedSpan = sumSince(log, now - windowNanos - windowNanos / SLOTS);
            boolean exact = permits <= SlidingWindow.EXACT_UP_TO;
            if (exact) {
                assertThat(decision.allowed()).as("exact log at %d ns: %d of %d held, cost %d", now, inWindow,
                        permits, cost).isEqualTo(inWindow + cost <= permits);
            }
            if (decision.allowed()) {
                assertThat(inWindow + cost)
                        .as("grant at %d ns of %d over %d in a window of %d ms holding %d", now, cost, permits,
                                windowMillis, inWindow)
                        .isLessThanOrEqualTo(permits);
                log.addLast(new long[] {now, cost});
                assertThat(decision.retryAfter()).isZero();
            } else {
                assertThat(inExtendedSpan + cost)
                        .as("rejection at %d ns of %d over %d, window %d ms; span of W + W/16 holds %d", now, cost,
                                permits, windowMillis, inExtendedSpan)
                        .isGreaterThan(permits);
                assertThat(decision.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofNanos(windowNanos));
                if (exact) {
                    assertThat(decision.retryAfter()).as("exact retry at %d ns", now)
                            .isEqualTo(Duration.ofNanos(roomAt(log, now - windowNanos, permits - cost) + windowNanos
                                    - now));
                }
            }
            while (!log.isEmpty() && log.peekFirst()[0] <= now - 3 * windowNanos) {
                log.removeFirst();
            }
        }
    }

    @RepeatedTest(100)
    void aRetryAfterTheAnnouncedWaitPasses(RepetitionInfo repetition) {
        SplittableRandom random = new SplittableRandom(repetition.getCurrentRepetition());
        long permits = 1 + random.nextLong(50);
        Limit limit = Limit.of(permits, Duration.ofMillis(1 + random.nextLong(10_000)));
        ManualTicker ticker = new ManualTicker();
        InMemoryRateLimitStore store = new InMemoryRateLimitStore(100, ticker, Clock.systemUTC());
        LimitKey key = LimitKey.of("retry", limit, "k");
        long windowNanos = limit.window().toNanos();
        Decision decision;
        do {
            ticker.advanceNanos(random.nextLong(windowNanos / permits + 1));
            decision = store.tryAcquire(key, 1);
        } while (decision.allowed());

        ticker.advance(decision.retryAfter().minusNanos(1));
        assertThat(store.tryAcquire(key, 1).allowed()).as("one nanosecond early").isFalse();
        ticker.advanceNanos(1);
        assertThat(store.tryAcquire(key, 1).allowed()).as("after retryAfter").isTrue();
    }

    @Test
    void threeAMinuteSaysRetryWhenTheFirstGrantLeavesNotLater() {
        ManualTicker ticker = new ManualTicker();
        InMemoryRateLimitStore store = new InMemoryRateLimitStore(10, ticker, Clock.systemUTC());
        LimitKey key = LimitKey.of("three", Limit.of(3, Duration.ofMinutes(1)), "u");
        for (int i = 0; i < 3; i++) {
            assertThat(store.tryAcquire(key, 1).allowed()).isTrue();
            ticker.advance(Duration.ofSeconds(10));
        }
        Decision rejected = store.tryAcquire(key, 1);
        assertThat(rejected.retryAfter()).isEqualTo(Duration.ofSeconds(30));
        ticker.advance(rejected.retryAfter());
        assertThat(store.tryAcquire(key, 1).allowed()).isTrue();
    }

    @Test
    void steadyLoadUsesAtLeastSixteenSeventeenthsOfTheLimit() {
        Limit limit = Limit.of(100, Duration.ofSeconds(1));
        ManualTicker ticker = new ManualTicker();
        InMemoryRateLimitStore store = new InMemoryRateLimitStore(10, ticker, Clock.systemUTC());
        LimitKey key = LimitKey.of("steady", limit, "");
        long granted = 0;
        for (int i = 0; i < 100_000; i++) { // 100 s of a call every millisecond
            ticker.advance(Duration.ofMillis(1));
            if (store.tryAcquire(key, 1).allowed()) {
                granted++;
            }
        }
        assertThat(granted).isBetween(100L * 100 * 16 / 17, 100L * 100);
    }

    @Test
    void keysAndLimitsAreIsolated() {
        ManualTicker ticker = new ManualTicker();
        InMemoryRateLimitStore store = new InMemoryRateLimitStore(100, ticker, Clock.systemUTC());
        Limit one = Limit.of(1, Duration.ofHours(1));
        List<LimitKey> keys = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            for (String raw : List.of("", "x", "X", "x ", "{x}")) {
                keys.add(LimitKey.of(name, one, raw));
            }
        }
        for (LimitKey key : keys) {
            assertThat(store.tryAcquire(key, 1).allowed()).as("first call for %s", key).isTrue();
        }
        for (LimitKey key : keys) {
            assertThat(store.tryAcquire(key, 1).allowed()).as("second call for %s", key).isFalse();
        }
    }

    @Test
    void aRealTimeWindowRefillsAfterItsLength() throws InterruptedException {
        InMemoryRateLimitStore store = new InMemoryRateLimitStore(10);
        LimitKey key = LimitKey.of("real", Limit.of(3, Duration.ofMillis(200)), "");
        long start = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            assertThat(store.tryAcquire(key, 1).allowed()).isTrue();
        }
        Decision rejected = store.tryAcquire(key, 1);
        assertThat(rejected.allowed()).isFalse();
        // Exact for three permits: the oldest grant leaves the window 200 ms after it was made.
        Duration window = Duration.ofMillis(200);
        assertThat(rejected.retryAfter()).isPositive().isLessThanOrEqualTo(window);

        // The claim is about real time: the permits come back once the window has passed.
        Thread.sleep(rejected.retryAfter().toMillis() + 1);
        assertThat(store.tryAcquire(key, 1).allowed()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    }

    /**
     * The time of the grant whose leaving brings the permits held after {@code exclusiveStart}
     * down to {@code keep}: the oldest grants leave first.
     */
    private static long roomAt(Deque<long[]> log, long exclusiveStart, long keep) {
        long held = sumSince(log, exclusiveStart);
        for (long[] grant : log) {
            if (grant[0] > exclusiveStart) {
                held -= grant[1];
                if (held <= keep) {
                    return grant[0];
                }
            }
        }
        throw new AssertionError("a rejection with room in the window");
    }

    private static long sumSince(Deque<long[]> log, long exclusiveStart) {
        long sum = 0;
        for (long[] grant : log) {
            if (grant[0] > exclusiveStart) {
                sum += grant[1];
            }
        }
        return sum;
    }
}
