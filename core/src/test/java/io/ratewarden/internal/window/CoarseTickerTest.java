package io.ratewarden.internal.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The coarse clock's life: no thread before the first read, a thread while it is read, none
 * after its last holder releases it or once nobody reads it; and its readings. Each test uses a
 * beat of its own, so that no other clock of the JVM is shared with it.
 */
@Tag("unit")
class CoarseTickerTest {

    @Test
    void noThreadRunsBeforeTheFirstReadAndNoneAfterTheLastRelease() {
        CoarseTicker first = CoarseTicker.acquire(3_000_001);
        CoarseTicker second = CoarseTicker.acquire(3_000_001);
        assertThat(second).isSameAs(first);
        assertThat(first.running()).as("acquired, never read").isFalse();

        long before = System.nanoTime();
        long read = first.read();
        assertThat(read).as("the first read is the system clock's").isBetween(before, System.nanoTime());
        assertThat(first.running()).isTrue();

        first.release();
        assertThat(first.running()).as("one holder left").isTrue();
        second.release();
        await().atMost(Duration.ofSeconds(5)).until(() -> !first.running());
    }

    @Test
    void readingsAreLowerBoundsThatAdvanceWithTheBeat() {
        CoarseTicker ticker = CoarseTicker.acquire(2_000_001);
        try {
            long first = ticker.read();
            await().atMost(Duration.ofSeconds(5)).until(() -> ticker.read() > first);
            for (int i = 0; i < 1_000; i++) {
                long read = ticker.read();
                assertThat(read).as("never ahead of the system clock").isLessThanOrEqualTo(System.nanoTime());
            }
            assertThat(ticker.margin()).as("at least two beats").isGreaterThanOrEqualTo(2 * 2_000_001L);
        } finally {
            ticker.release();
        }
    }

    @Test
    void theThreadStopsWhenNothingReadsTheClockAndTheNextReadStartsItAgain() {
        CoarseTicker ticker = CoarseTicker.acquire(4_000_001);
        try {
            ticker.read();
            assertThat(ticker.running()).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> !ticker.running());

            long before = System.nanoTime();
            assertThat(ticker.read()).isGreaterThanOrEqualTo(before);
            assertThat(ticker.running()).isTrue();
        } finally {
            ticker.release();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> !ticker.running());
    }

    @Test
    void aClockOfNoGranularityReadsTheTickerAndHasNoMargin() {
        long[] now = {42};
        WindowClock clock = WindowClock.exact(() -> now[0]);
        assertThat(clock.read()).isEqualTo(42);
        assertThat(clock.margin()).isZero();
        assertThat(clock.granularity()).isZero();
        assertThat(WindowClock.of(Duration.ZERO).granularity()).isZero();
        WindowClock coarse = WindowClock.of(Duration.ofNanos(5_000_001));
        assertThat(coarse.granularity()).isEqualTo(Duration.ofNanos(5_000_001));
        coarse.close();
        coarse.close(); // a second close releases nothing more
    }
}
