package io.ratewarden.aspectj;

import static java.util.concurrent.TimeUnit.HOURS;
import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.RateLimitExceededException;
import io.ratewarden.RateLimited;
import io.ratewarden.Ratewarden;
import io.ratewarden.test.ManualTicker;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * On the in-memory store, a permitted call of a method without key allocates nothing, a rejected
 * one answered by a fallback nothing either, and a rejected one that throws only its exception,
 * without stack trace unless asked for: measured with the JVM's per-thread allocation counter
 * over many calls.
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

        @RateLimited(permits = 1, window = 1, unit = HOURS)
        void throwing() {
            calls++;
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
    void aRejectionAnsweredByAFallbackAllocatesNothing() {
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

            // The fallback takes no exception, so none is made, and the in-memory store answers
            // without a decision object. One object per call would be 16,000,000 bytes at least.
            assertThat(allocated).as("bytes allocated by %d rejected calls", calls).isLessThan(4_096);
        }
    }

    @Test
    void aThrownRejectionAllocatesOnlyItsExceptionWithoutStackTrace() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        try (Ratewarden ratewarden = Ratewarden.builder().name("allocation-throwing").build()) {
            Ratewarden.install(ratewarden);
            Hot hot = new Hot();
            int rejected = 0;
            for (int i = 0; i < 200_000; i++) {
                rejected += rejects(hot);
            }
            int calls = 1_000_000;
            long before = threads.getThreadAllocatedBytes(thread);
            for (int i = 0; i < calls; i++) {
                rejected += rejects(hot);
            }
            long allocated = threads.getThreadAllocatedBytes(thread) - before;
            assertThat(hot.calls).isEqualTo(1);
            assertThat(rejected).isEqualTo(1_200_000 - 1);
            // A flood shares one exception per answer (per beat of the 1 ms clock): far under 48 B a call.
            assertThat(allocated / calls).as("bytes allocated per rejected call").isLessThan(16);

            RateLimitExceededException rejection = catchRejection(hot);
            assertThat(rejection.getStackTrace()).isEmpty();
            assertThat(rejection.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofHours(1));
            assertThat(rejection.getMessage()).startsWith("Rate limit '").contains("exceeded: 1 per PT1H; retry after PT");
            assertThat(rejection.key()).isEmpty();
            assertThat(rejection.storeFailure()).isFalse();
        }
    }

    @Test
    void rejectionsWithTheSameAnswerShareAnExceptionWhoseRetryTimeStaysTrue() {
        ManualTicker ticker = new ManualTicker();
        try (Ratewarden ratewarden = Ratewarden.builder().name("allocation-shared").ticker(ticker).build()) {
            Ratewarden.install(ratewarden);
            Hot hot = new Hot();
            hot.throwing();
            RateLimitExceededException first = catchRejection(hot);
            assertThat(catchRejection(hot)).as("the same answer, the same instance").isSameAs(first);
            assertThat(first.retryAfter()).isEqualTo(Duration.ofHours(1));
            ticker.advance(Duration.ofMinutes(20));
            RateLimitExceededException later = catchRejection(hot);
            assertThat(later).isNotSameAs(first);
            assertThat(later.retryAfter()).as("never a stale retry time").isEqualTo(Duration.ofMinutes(40));
            assertThat(first.retryAfter()).as("an instance never changes").isEqualTo(Duration.ofHours(1));
            later.addSuppressed(new IllegalStateException("kept nowhere"));
            assertThat(catchRejection(hot).getSuppressed()).isEmpty();
        }
        try (Ratewarden ratewarden = Ratewarden.builder().name("allocation-own").ticker(ticker).stackTraces(true)
                .build()) {
            Ratewarden.install(ratewarden);
            Hot hot = new Hot();
            hot.throwing();
            assertThat(catchRejection(hot)).as("with stack traces, one each").isNotSameAs(catchRejection(hot));
        }
    }

    @Test
    void stackTracesTrueRecordsWhereTheRejectedCallCameFrom() {
        try (Ratewarden ratewarden = Ratewarden.builder().name("allocation-stack").stackTraces(true).build()) {
            Ratewarden.install(ratewarden);
            Hot hot = new Hot();
            hot.throwing();
            RateLimitExceededException rejection = catchRejection(hot);
            assertThat(rejection.getStackTrace()).extracting(StackTraceElement::getMethodName)
                    .contains("throwing", "catchRejection");
        }
    }

    private static int rejects(Hot hot) {
        try {
            hot.throwing();
            return 0;
        } catch (RateLimitExceededException expected) {
            return 1;
        }
    }

    private static RateLimitExceededException catchRejection(Hot hot) {
        try {
            hot.throwing();
        } catch (RateLimitExceededException expected) {
            return expected;
        }
        throw new AssertionError("not rejected");
    }
}
