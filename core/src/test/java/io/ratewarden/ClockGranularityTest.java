package io.ratewarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ratewarden.testing.SchedulingDelay;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The in-memory windows on the coarse clock, in real time: a caller asking again and again is
 * never granted before the window allows, by its calls' own start and end times, and on the
 * exact log never refused more than one beat after the window had room (plus what the machine
 * measurably delayed threads meanwhile).
 */
class ClockGranularityTest {

    private static final long RUN_NANOS = 1_500_000_000L;
    private static final int MAX_CALLS = 20_000_000;

    /** A call's start and end, by {@link System#nanoTime()}. */
    private record Call(long start, long end) {
    }

    @Test
    void theExactLogGrantsNoneEarlyAndNoneMoreThanOneBeatLate() {
        Duration beat = Duration.ofMillis(5);
        Duration window = Duration.ofMillis(100);
        int permits = 4;
        try (SchedulingDelay delay = SchedulingDelay.measure("clock-granularity");
             Ratewarden ratewarden = Ratewarden.builder().name("clock-granularity-log").jmx(false)
                     .clockGranularity(beat).build()) {
            Limiter limiter = ratewarden.limit("log", Limit.of(permits, window));
            List<Call> grants = new ArrayList<>();
            long worstLate = Long.MIN_VALUE;
            long deadline = System.nanoTime() + RUN_NANOS;
            for (int calls = 0; calls < MAX_CALLS; calls++) {
                long start = System.nanoTime();
                if (start > deadline) {
                    break;
                }
                boolean granted = limiter.tryAcquire("").allowed();
                long end = System.nanoTime();
                if (granted) {
                    grants.add(new Call(start, end));
                } else if (grants.size() >= permits) {
                    // The window had room once the grant `permits` back had left it: by its end at the latest.
                    Call leaving = grants.get(grants.size() - permits);
                    worstLate = Math.max(worstLate, start - (leaving.end() + window.toNanos()));
                }
            }
            assertThat(grants).as("grants in %s ms", RUN_NANOS / 1_000_000).hasSizeGreaterThan(4 * permits);
            assertNoneEarly(grants, permits, window);
            Duration bound = delay.allowing(beat);
            assertThat(Duration.ofNanos(Math.max(0, worstLate))).as("latest refusal after the window had room; %s",
                    delay).isLessThanOrEqualTo(bound);
        }
    }

    @Test
    void theSlottedWindowGrantsNoneEarly() {
        Duration window = Duration.ofMillis(160);
        int permits = 200;
        try (Ratewarden ratewarden = Ratewarden.builder().name("clock-granularity-slots").jmx(false)
                .clockGranularity(Duration.ofMillis(2)).build()) {
            Limiter limiter = ratewarden.limit("slots", Limit.of(permits, window));
            List<Call> grants = new ArrayList<>();
            long deadline = System.nanoTime() + RUN_NANOS;
            for (int calls = 0; calls < MAX_CALLS; calls++) {
                long start = System.nanoTime();
                if (start > deadline) {
                    break;
                }
                if (limiter.tryAcquire("").allowed()) {
                    grants.add(new Call(start, System.nanoTime()));
                }
            }
            assertThat(grants).hasSizeGreaterThan(4 * permits);
            assertNoneEarly(grants, permits, window);
        }
    }

    /** No window holds more than {@code permits} grants: each one is at least a window after the one {@code permits} back. */
    private static void assertNoneEarly(List<Call> grants, int permits, Duration window) {
        for (int i = permits; i < grants.size(); i++) {
            long apart = grants.get(i).end() - grants.get(i - permits).start();
            assertThat(apart).as("grant %d and grant %d, %d permits apart", i - permits, i, permits)
                    .isGreaterThanOrEqualTo(window.toNanos());
        }
    }

    @Test
    void theGranularityIsASettingFromZeroTo100Milliseconds() {
        try (Ratewarden exact = Ratewarden.builder().name("clock-granularity-zero").jmx(false)
                .configure("clock-granularity", "0ms").build()) {
            assertThat(exact.limit("zero", Limit.of(1, Duration.ofHours(1))).tryAcquire("").allowed()).isTrue();
        }
        assertThatThrownBy(() -> Ratewarden.builder().configure("clockGranularity", "200ms"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clockGranularity");
        assertThatThrownBy(() -> Ratewarden.builder().clockGranularity(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clockGranularity");
    }
}
