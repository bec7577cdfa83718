package io.ratewarden.aspectj;

import static java.util.concurrent.TimeUnit.HOURS;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ratewarden.RateLimitExceededException;
import io.ratewarden.RateLimited;
import io.ratewarden.Ratewarden;
import io.ratewarden.testing.SchedulingDelay;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Fallback methods, asynchronous methods and waiting for permits. Waiting is about real time, so
 * these tests run on the system ticker.
 */
@Tag("unit")
class FallbackAndWaitTest {

    private Ratewarden ratewarden;

    @BeforeEach
    void install() {
        ratewarden = Ratewarden.builder().name("FallbackAndWaitTest").build();
        Ratewarden.install(ratewarden);
    }

    @AfterEach
    void close() {
        ratewarden.close();
    }

    static class Quotes {
        final AtomicInteger runs = new AtomicInteger();

        @RateLimited(permits = 1, window = 1, unit = HOURS, key = "#user", fallbackMethod = "cachedQuote")
        String quote(String user) {
            runs.incrementAndGet();
            return "fresh for " + user;
        }

        String cachedQuote(String user, RateLimitExceededException e) {
            return "cached for " + user + " (" + e.limitName() + ")";
        }

        @RateLimited(permits = 1, window = 1, unit = HOURS, fallbackMethod = "staticFallback")
        static int staticQuote(int x) {
            return x;
        }

        static int staticFallback(int x) {
            return -x;
        }

        @RateLimited(permits = 1, window = 1, unit = HOURS)
        CompletableFuture<String> asyncQuote() {
            runs.incrementAndGet();
            return CompletableFuture.completedFuture("async");
        }

        @RateLimited(permits = 1, window = 1, unit = HOURS, fallbackMethod = "asyncFallback")
        CompletionStage<String> asyncWithFallback() {
            return CompletableFuture.completedFuture("async");
        }

        CompletionStage<String> asyncFallback() {
            return CompletableFuture.completedFuture("fallback");
        }

        @RateLimited(permits = 1, window = 300, unit = MILLISECONDS, maxWaitMillis = 2_000)
        long waitsForNextPermit() {
            return System.nanoTime();
        }

        @RateLimited(permits = 1, window = 1, unit = HOURS, maxWaitMillis = 200)
        void givesUpAtDeadline() {
        }

        @RateLimited(permits = 1, window = 300, unit = MILLISECONDS, maxWaitMillis = 2_000)
        CompletableFuture<Long> asyncWaits() {
            return CompletableFuture.completedFuture(System.nanoTime());
        }

        @RateLimited(permits = 1, window = 1, unit = HOURS)
        void throwsChecked() throws IOException {
            throw new IOException("from the body");
        }

        @RateLimited(permits = 1, window = 1, unit = HOURS, key = "#to", fallbackMethod = "queued")
        String send(String to, int copies) {
            return copies + " sent to " + to;
        }

        String queued(String to, int copies, RateLimitExceededException e) {
            return copies + " queued for " + to + " after " + e.retryAfter().toMinutes() + " min";
        }

        @RateLimited(permits = 1, window = 1, unit = HOURS, fallbackMethod = "noneLeft")
        String next() {
            runs.incrementAndGet();
            return "next";
        }

        String noneLeft(RateLimitExceededException e) {
            return "none left (" + e.permits() + " per " + e.window() + ")";
        }

        final AtomicInteger skipped = new AtomicInteger();

        @RateLimited(permits = 1, window = 1, unit = HOURS, fallbackMethod = "skip")
        void tick() {
            runs.incrementAndGet();
        }

        void skip() {
            skipped.incrementAndGet();
        }

        @RateLimited(permits = 1, window = 1, unit = HOURS, fallbackMethod = "rejectLoudly")
        String fallbackThrowsChecked() throws IOException {
            return "body";
        }

        String rejectLoudly() throws IOException {
            throw new IOException("from the fallback");
        }

        @RateLimited(permits = 1, window = 1, unit = HOURS, key = "#a", fallbackMethod = "sumLater")
        long sum(String a, long b, long c) {
            return b + c;
        }

        long sumLater(String a, long b, long c) {
            return -(b + c);
        }
    }

    private final Quotes quotes = new Quotes();

    @Test
    void fallbackIsCalledInsteadOfThrowing() {
        assertThat(quotes.quote("alice")).isEqualTo("fresh for alice");
        assertThat(quotes.quote("alice")).isEqualTo("cached for alice (" + limitName("quote(java.lang.String)") + ")");
        assertThat(quotes.quote("bob")).isEqualTo("fresh for bob");
        assertThat(quotes.runs).hasValue(2);
    }

    @Test
    void staticFallbackWithoutExceptionParameter() {
        assertThat(Quotes.staticQuote(5)).isEqualTo(5);
        assertThat(Quotes.staticQuote(5)).isEqualTo(-5);
    }

    @Test
    void fallbackOfTwoParametersGetsBothAndTheRejection() {
        assertThat(quotes.send("alice", 2)).isEqualTo("2 sent to alice");
        assertThat(quotes.send("alice", 3)).isEqualTo("3 queued for alice after 59 min");
        assertThat(quotes.send("bob", 4)).isEqualTo("4 sent to bob");
    }

    @Test
    void fallbackOfAMethodWithoutParametersMayTakeTheRejectionAlone() {
        assertThat(quotes.next()).isEqualTo("next");
        assertThat(quotes.next()).isEqualTo("none left (1 per PT1H)");
        assertThat(quotes.runs).hasValue(1);
    }

    @Test
    void voidMethodRunsItsVoidFallback() {
        quotes.tick();
        quotes.tick();
        quotes.tick();
        assertThat(quotes.runs).hasValue(1);
        assertThat(quotes.skipped).hasValue(2);
    }

    @Test
    void checkedExceptionOfTheFallbackPassesThroughUnwrapped() throws IOException {
        assertThat(quotes.fallbackThrowsChecked()).isEqualTo("body");
        assertThatThrownBy(quotes::fallbackThrowsChecked).isInstanceOf(IOException.class)
                .hasMessage("from the fallback");
    }

    @Test
    void fallbackOfThreeParametersGetsThemAll() {
        assertThat(quotes.sum("alice", 2, 3)).isEqualTo(5);
        assertThat(quotes.sum("alice", 2, 3)).isEqualTo(-5);
    }

    @Test
    void asyncMethodGetsAFailedFutureInsteadOfAThrow() throws Exception {
        assertThat(quotes.asyncQuote().get()).isEqualTo("async");
        CompletableFuture<String> rejected = quotes.asyncQuote();
        assertThat(rejected).isCompletedExceptionally();
        assertThatThrownBy(rejected::get).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(RateLimitExceededException.class);
        assertThat(quotes.runs).hasValue(1);
    }

    @Test
    void asyncFallback() throws Exception {
        assertThat(quotes.asyncWithFallback().toCompletableFuture().get()).isEqualTo("async");
        assertThat(quotes.asyncWithFallback().toCompletableFuture().get()).isEqualTo("fallback");
    }

    @Test
    void maxWaitWaitsForTheNextPermit() {
        try (SchedulingDelay delay = SchedulingDelay.measure("wait")) {
            long first = quotes.waitsForNextPermit();
            long second = quotes.waitsForNextPermit();
            assertThat(Duration.ofNanos(second - first)).as("the 300 ms window; %s", delay)
                    .isGreaterThanOrEqualTo(Duration.ofMillis(280))
                    .isLessThan(delay.allowing(Duration.ofMillis(400)));
        }
    }

    @Test
    void maxWaitGivesUpAtOnceWhenThePermitComesAfterItsDeadline() {
        quotes.givesUpAtDeadline();
        try (SchedulingDelay delay = SchedulingDelay.measure("give-up")) {
            long start = System.nanoTime();
            assertThatThrownBy(quotes::givesUpAtDeadline).isInstanceOf(RateLimitExceededException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .as("no sleep to the 200 ms deadline in vain; %s", delay)
                    .isLessThan(delay.allowing(Duration.ofMillis(100)));
        }
    }

    @Test
    void asyncMethodWaitsWithoutBlockingItsCaller() throws Exception {
        long first = quotes.asyncWaits().get();
        SchedulingDelay delay = SchedulingDelay.measure("async-wait");
        long before = System.nanoTime();
        CompletableFuture<Long> waiting = quotes.asyncWaits();
        Duration callTook = Duration.ofNanos(System.nanoTime() - before);
        delay.close();
        assertThat(callTook).as("the caller's thread returned at once; %s", delay)
                .isLessThan(delay.allowing(Duration.ofMillis(100)));
        assertThat(waiting).isNotDone();
        long second = waiting.get();
        assertThat(Duration.ofNanos(second - first)).isGreaterThanOrEqualTo(Duration.ofMillis(280));
    }

    @Test
    void waitingCallsFromManyThreadsAreSpacedByTheWindow() throws Exception {
        int threads = 3;
        long[] finished = new long[threads];
        CountDownLatch start = new CountDownLatch(1);
        Thread[] workers = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            int index = i;
            workers[i] = new Thread(() -> {
                try {
                    start.await();
                    finished[index] = quotes.waitsForNextPermit();
                } catch (InterruptedException | RateLimitExceededException e) {
                    finished[index] = -1;
                }
            });
            workers[i].start();
        }
        start.countDown();
        for (Thread worker : workers) {
            worker.join(5_000);
        }
        Arrays.sort(finished);
        assertThat(finished).doesNotContain(-1);
        for (int i = 1; i < threads; i++) {
            assertThat(Duration.ofNanos(finished[i] - finished[i - 1])).isGreaterThanOrEqualTo(Duration.ofMillis(280));
        }
    }

    @Test
    void checkedExceptionsOfTheBodyPassThroughUnwrapped() {
        assertThatThrownBy(quotes::throwsChecked).isInstanceOf(IOException.class).hasMessage("from the body");
        assertThatThrownBy(quotes::throwsChecked).isInstanceOf(RateLimitExceededException.class);
    }

    private static String limitName(String method) {
        return Quotes.class.getName() + "#" + method;
    }
}
