package io.ratewarden.internal.failover;

import io.ratewarden.internal.window.InMemoryRateLimitStore;
import io.ratewarden.internal.window.ManualTicker;
import io.ratewarden.internal.window.SlidingWindow;
import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.FallbackShare;
import io.ratewarden.Limit;
import io.ratewarden.store.LimitKey;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.lang.management.MemoryMXBean;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Memory per key of the in-memory store is bounded and does not grow with the limit's permits.
 * Prints the measured bytes per key (the figure the documentation quotes).
 */
@Tag("unit")
class InMemoryMemoryPerKeyTest {

    private static final int KEYS = 200_000;

    @Test
    void memoryPerKeyIsBoundedAndBeyondSixtyFourPermitsIndependentOfThem() {
        long one = bytesPerKey(1, false);
        long exactMost = bytesPerKey(SlidingWindow.EXACT_UP_TO, false);
        long slotted = bytesPerKey(SlidingWindow.EXACT_UP_TO + 1, false);
        long huge = bytesPerKey(1_000_000_000L, false);
        long rejected = bytesPerKey(1_000, true);
        System.out.printf("in-memory store, bytes per key: exact log %d at 1 permit, %d at 64 (bound 1000);"
                + " slotted window %d at 65 permits, %d at 1e9; %d at 1000 permits with a rejection by Redis noted"
                + " (keys of 11 characters, JVM %s)%n", one, exactMost, slotted, huge, rejected,
                System.getProperty("java.version"));
        assertThat(exactMost).as("the exact log at its largest").isLessThan(1_000);
        assertThat(one).isLessThan(exactMost);
        assertThat(slotted).isLessThan(600);
        assertThat((double) huge).isCloseTo(slotted, org.assertj.core.data.Percentage.withPercentage(15));
        assertThat(rejected - Math.min(slotted, huge)).as("a noted rejection: one more small cache entry")
                .isBetween(0L, 250L);
    }

    private static long bytesPerKey(long permits, boolean rejectedByRedis) {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        ManualTicker ticker = new ManualTicker();
        Limit limit = Limit.of(permits, Duration.ofHours(1));
        String[] names = new String[KEYS];
        for (int i = 0; i < KEYS; i++) {
            names[i] = String.format("user-%06d", i);
        }
        long before = settledHeap(memory);
        InMemoryRateLimitStore store = new InMemoryRateLimitStore(KEYS * 2L, ticker, Clock.systemUTC());
        OutageAdmission outage = new OutageAdmission(store, FallbackShare.liveInstances(), KEYS * 2L);
        for (int i = 0; i < KEYS; i++) {
            ticker.advanceNanos(1_000);
            LimitKey key = LimitKey.of("memory", limit, names[i]);
            store.tryAcquire(key, 1);
            if (rejectedByRedis) {
                outage.rejectedByRedis(key, 1, 1);
            }
        }
        long after = settledHeap(memory);
        Reference.reachabilityFence(outage); // what it holds is what is measured
        assertThat(store.localKeys()).isEqualTo(KEYS);
        store.close();
        return (after - before) / KEYS;
    }

    private static long settledHeap(MemoryMXBean memory) {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
