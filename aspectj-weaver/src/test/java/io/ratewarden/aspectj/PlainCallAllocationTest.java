package io.ratewarden.aspectj;

import static java.util.concurrent.TimeUnit.HOURS;
import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.RateLimited;
import io.ratewarden.Ratewarden;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A permitted call of a method without key, on the in-memory store, allocates nothing, and a
 * rejected call answered by a fallback allocates nothing in the aspect: measured with the JVM's
 * per-thread allocation counter over many calls.
 */
@Tag("unit")
class PlainCallAllocationTest {

    static class Hot {
        long calls;

        @RateLimited(permits = 1_000_000_000_000L, window = 1, unit = HOURS)
        void call() {
            calls++;
        }

        @RateLimited(permits = 1_000_000_000_000L, window = 1, unit = HOURS)
        String returnsReference() {
            return "same";
        }

        @RateLimited(permits = 1_000_000_000_000L, window = 1, unit = HOURS,
                key = "#p0")
        void keyed(int user) {
            calls++;
        }

        long fallbacks;

        @RateLimited(permits = 1, window = 1, unit = HOURS, fallbackMethod = "later")
        String rejected(String user, String greeting) {
            return greeting + user;
        }

        String later(String user, String greeting) {
            fallbacks++;
            return greeting;
        }
    }

    @Test
    void aPermittedPlainCallAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        try (Ratewarden ratewarden = Ratewarden.builder().name("allocation").build()) {
            Ratewarden.install(ratewarden);
            Hot hot = new Hot();
            for (int i = 0; i < 200_000; i++) { // warm up: bind the join points, let the JIT compile
                hot.call();
                hot.returnsReference();
            }
            int calls = 1_000_000;
            long before = threads.getThreadAllocatedBytes(thread);
            for (int i = 0; i < calls; i++) {
                hot.call();
                hot.returnsReference();
            }
            long allocated = threads.getThreadAllocatedBytes(thread) - before;
            assertThat(hot.calls).isEqualTo(1_200_000);

            // A few hundred bytes of noise (the counter's own call) are allowed; one object per call
            // would be at least 16,000,000 bytes.
            assertThat(allocated).as("bytes allocated by %d permitted calls", 2 * calls).isLessThan(4_096);

            // The meter itself sees allocation: the same loop with a key built per call does.
            long keyedBefore = threads.getThreadAllocatedBytes(thread);
            for (int i = 0; i < 10_000; i++) {
                hot.keyed(i);
            }
            assertThat(threads.getThreadAllocatedBytes(thread) - keyedBefore).isGreaterThan(10_000L * 16);
        }
    }

    @Test
    void aRejectionAnsweredByAFallbackAllocatesOnlyTheStoresDecision() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        try (Ratewarden ratewarden = Ratewarden.builder().name("allocation-fallback").build()) {
            Ratewarden.install(ratewarden);
            Hot hot = new Hot();
            for (int i = 0; i < 200_000; i++) {
                hot.rejected("alice", "hello ");
            }
            int calls = 1_000_000;
            long before = threads.getThreadAllocatedBytes(thread);
            for (int i = 0; i < calls; i++) {
                hot.rejected("alice", "hello ");
            }
            long allocated = threads.getThreadAllocatedBytes(thread) - before;
            assertThat(hot.fallbacks).isEqualTo(1_200_000 - 1);

            // The in-memory store's rejection is a Decision and its Duration (32 + 24 bytes); a join
            // point, an argument array or an exception would add at least 16 bytes more each.
            // (A keyed limit adds the 24 bytes of its key's lookup, as a keyed grant does.)
            assertThat(allocated / calls).as("bytes allocated per rejected call").isLessThanOrEqualTo(56);
        }
    }
}
