package io.ratewarden.internal.window;

import io.ratewarden.internal.window.SlidingWindow;
import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.Limit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;

/**
 * The window contract under concurrency: threads race on one key while a driver steps time in
 * phases. Within a phase every thread reads the same time, so each grant's time is known, and
 * no sliding window may hold more than the permits. The first call of a phase often moves the
 * head slot on while the other threads are granting: the race the lock-free path must survive.
 * Half the threads ask with this instance's cap set to the limit itself, half with none.
 */
class SlidingWindowConcurrencyTest {

    private static final int THREADS = 4;
    private static final int PHASES = 300;
    private static final int CALLS_PER_PHASE = 15;

    @RepeatedTest(20)
    void racingThreadsNeverOverAdmitAndUseTheLimit(RepetitionInfo repetition) throws Exception {
        SplittableRandom random = new SplittableRandom(repetition.getCurrentRepetition() * 31L);
        long permits = 10 + random.nextLong(150); // both the exact log and the slotted window
        long windowNanos = 16_000_000;
        ManualTicker ticker = new ManualTicker(random.nextLong(1, 1L << 40));
        WindowClock clock = WindowClock.exact(ticker);
        SlidingWindow window = Windows.of(Limit.of(permits, Duration.ofNanos(windowNanos)));
        long[] phaseTimes = new long[PHASES];
        AtomicLong[] phaseGrants = new AtomicLong[PHASES];
        CyclicBarrier start = new CyclicBarrier(THREADS + 1);
        CyclicBarrier end = new CyclicBarrier(THREADS + 1);
        List<Thread> workers = new ArrayList<>();
        int[] currentPhase = new int[1];
        for (int t = 0; t < THREADS; t++) {
            long seed = random.nextLong();
            boolean capped = t % 2 == 0;
            Thread worker = new Thread(() -> {
                SplittableRandom mine = new SplittableRandom(seed);
                try {
                    for (int phase = 0; phase < PHASES; phase++) {
                        start.await(10, TimeUnit.SECONDS);
                        for (int call = 0; call < CALLS_PER_PHASE; call++) {
                            long cost = 1 + mine.nextInt(3);
                            long wait = capped ? window.tryAcquire(clock, cost, permits) : window.tryAcquire(clock, cost);
                            if (wait == 0) {
                                phaseGrants[currentPhase[0]].addAndGet(cost);
                            }
                        }
                        end.await(10, TimeUnit.SECONDS);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            worker.start();
            workers.add(worker);
        }
        for (int phase = 0; phase < PHASES; phase++) {
            long step = random.nextInt(8) == 0 ? random.nextLong(3 * windowNanos) : random.nextLong(windowNanos / 4);
            ticker.advanceNanos(step);
            phaseTimes[phase] = ticker.read();
            phaseGrants[phase] = new AtomicLong();
            currentPhase[0] = phase;
            start.await(10, TimeUnit.SECONDS);
            end.await(10, TimeUnit.SECONDS);
        }
        for (Thread worker : workers) {
            worker.join(10_000);
        }

        long granted = 0;
        for (int k = 0; k < PHASES; k++) {
            long inWindow = 0;
            for (int j = 0; j <= k; j++) {
                if (phaseTimes[j] > phaseTimes[k] - windowNanos) {
                    inWindow += phaseGrants[j].get();
                }
            }
            assertThat(inWindow).as("grants in the window ending at phase %d", k).isLessThanOrEqualTo(permits);
            granted += phaseGrants[k].get();
        }
        assertThat(granted).as("the limit is used, not just never exceeded").isPositive();
    }

    @RepeatedTest(10)
    void recordsFromManyThreadsAreEachCountedOnceWhileTheHeadMovesOn(RepetitionInfo repetition) throws Exception {
        long limit = repetition.getCurrentRepetition() % 2 == 0 ? 50 : 500; // the exact log, the slotted window
        SlidingWindow window = Windows.of(Limit.of(limit, Duration.ofMillis(16)));
        AtomicLong now = new AtomicLong(repetition.getCurrentRepetition() * 1_000_003L);
        WindowClock clock = WindowClock.exact(now::get);
        int threads = 4;
        int records = 20_000;
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        List<Thread> workers = new ArrayList<>();
        AtomicLong recorded = new AtomicLong();
        for (int t = 0; t < threads; t++) {
            long permits = t + 1;
            Thread worker = new Thread(() -> {
                try {
                    start.await(10, TimeUnit.SECONDS);
                    for (int i = 0; i < records; i++) {
                        if (i % 8 == 0) {
                            now.addAndGet(250_000); // a slot is 1 ms: the head moves on under the others
                        }
                        window.record(clock, permits);
                        recorded.addAndGet(permits);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            worker.start();
            workers.add(worker);
        }
        start.await(10, TimeUnit.SECONDS);
        for (Thread worker : workers) {
            worker.join(10_000);
        }
        assertThat(window.counted()).isEqualTo(recorded.get()).isEqualTo((1 + 2 + 3 + 4) * (long) records);
        assertThat(window.tryAcquire(clock, 1)).as("recorded grants fill the window").isPositive();
    }
}
