package io.ratewarden.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ratewarden.Backend;
import io.ratewarden.Decision;
import io.ratewarden.Limit;
import io.ratewarden.store.LimitKey;
import io.ratewarden.store.RateLimitStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every store promises ({@link RateLimitStore}'s contract), proven on each store by
 * a subclass: the in-memory store, the Redis store, and the failover store twice, with Redis
 * healthy and with Redis unreachable. The same grants, the same sliding window, the same isolation
 * of keys and limits, the same behaviour when the backend loses its state. Runs in real time
 * (Redis limiters read the client's clock), with windows short enough to keep the suite fast.
 */
abstract class RateLimitStoreContract {

    protected RateLimitStore store;

    /** Returns a fresh, empty store (unique key space on a shared Redis). */
    protected abstract RateLimitStore newStore() throws Exception;

    /**
     * Makes the backend lose everything it holds for this store, as a restart, a flush or an
     * eviction does, and returns the store to go on with: the same one when its backend lost the
     * state under it, a new one when losing the state means a new process.
     */
    protected abstract RateLimitStore loseState(RateLimitStore current) throws Exception;

    /** The backend that must decide every call of this run. */
    protected abstract Backend decidingBackend();

    /**
     * Resets {@code key} as an operator would; a store whose primary backend is away resets the
     * backend that decides and says that it could not reach the other.
     */
    protected void reset(LimitKey key) {
        store.reset(key);
    }

    @BeforeEach
    void open() throws Exception {
        store = newStore();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void grantsExactlyThePermitsThenRejectsWithARetryEstimate() {
        LimitKey key = LimitKey.of("exact", Limit.of(5, Duration.ofSeconds(30)), "alice");
        for (int i = 0; i < 5; i++) {
            Decision granted = store.tryAcquire(key, 1);
            assertThat(granted.allowed()).as("call %d", i + 1).isTrue();
            assertThat(granted.decidedBy()).as("call %d", i + 1).isEqualTo(decidingBackend());
        }
        Decision rejected = store.tryAcquire(key, 1);
        assertThat(rejected.allowed()).isFalse();
        assertThat(rejected.decidedBy()).isEqualTo(decidingBackend());
        assertThat(rejected.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMillis(30_000 + 30_000 / 16));
    }

    @Test
    void aBackendThatLostItsStateGoesOnDecidingFromAFullWindow() throws Exception {
        Limit limit = Limit.of(5, Duration.ofSeconds(30));
        LimitKey full = LimitKey.of("lost", limit, "full");
        LimitKey half = LimitKey.of("lost", limit, "half");
        assertThat(store.tryAcquire(full, 5).allowed()).isTrue();
        assertThat(store.tryAcquire(half, 2).allowed()).isTrue();

        store = loseState(store);

        for (LimitKey key : List.of(full, half)) {
            for (int i = 0; i < 5; i++) {
                Decision decision = store.tryAcquire(key, 1);
                assertThat(decision.allowed()).as("%s: call %d after the loss", key.key(), i + 1).isTrue();
                assertThat(decision.decidedBy()).isEqualTo(decidingBackend());
            }
            Decision refused = store.tryAcquire(key, 1);
            assertThat(refused.allowed()).as("%s: the limit holds again after the loss", key.key()).isFalse();
            assertThat(refused.retryAfter()).isPositive().isLessThanOrEqualTo(limit.window());
        }
    }

    @Test
    void aCostOutOfRangeIsRefusedWithAnArgumentError() {
        LimitKey key = LimitKey.of("range", Limit.of(5, Duration.ofSeconds(30)), "k");
        assertThatThrownBy(() -> store.tryAcquire(key, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.tryAcquire(key, 6)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'range'");
        assertThat(store.tryAcquire(key, 5).allowed()).as("nothing was taken by the bad calls").isTrue();
    }

    @Test
    void costTakesSeveralPermits() {
        LimitKey key = LimitKey.of("cost", Limit.of(5, Duration.ofSeconds(30)), "k");
        assertThat(store.tryAcquire(key, 3).allowed()).isTrue();
        assertThat(store.tryAcquire(key, 3).allowed()).isFalse();
        assertThat(store.tryAcquire(key, 2).allowed()).isTrue();
        assertThat(store.tryAcquire(key, 1).allowed()).isFalse();
    }

    @Test
    void keysAreIsolatedWhateverTheyHold() {
        Limit one = Limit.of(1, Duration.ofSeconds(30));
        List<LimitKey> keys = new ArrayList<>();
        for (String raw : List.of("", "a", "A", "a ", "{a}", "{", "}", "a:b", "%7B", "%", "ключ", "\u0000\n",
                "x".repeat(100_000), "x".repeat(99_999) + "y")) {
            keys.add(LimitKey.of("isolation", one, raw));
        }
        // A limit name with a colon must not meet a key with one: "n:x" + "y" versus "n" + "x:y".
        keys.add(LimitKey.of("n:x", one, "y"));
        keys.add(LimitKey.of("n", one, "x:y"));
        for (LimitKey key : keys) {
            assertThat(store.tryAcquire(key, 1).allowed()).as("first call for %s", key.key()).isTrue();
        }
        for (LimitKey key : keys) {
            assertThat(store.tryAcquire(key, 1).allowed()).as("second call for %s", key.key()).isFalse();
        }
    }

    @Test
    void permitsReturnOnceTheWindowHasPassed() {
        Duration window = Duration.ofMillis(600);
        LimitKey key = LimitKey.of("refill", Limit.of(2, window), "k");
        long start = System.nanoTime();
        assertThat(store.tryAcquire(key, 2).allowed()).isTrue();
        assertThat(store.tryAcquire(key, 1).allowed()).isFalse();

        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
                .until(() -> store.tryAcquire(key, 1).allowed());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("no permit came back early")
                .isGreaterThanOrEqualTo(window);
    }

    @Test
    void theWindowSlidesRatherThanResets() {
        Duration window = Duration.ofMillis(1_200);
        LimitKey key = LimitKey.of("sliding", Limit.of(4, window), "k");
        long start = System.nanoTime();
        assertThat(store.tryAcquire(key, 2).allowed()).isTrue();
        parkUntil(start + window.toNanos() / 2);
        assertThat(store.tryAcquire(key, 2).allowed()).isTrue();
        // The claim is about time: just after the first grants have left the window, only they
        // are free again; the later two permits still count.
        parkUntil(start + window.toNanos() + window.toNanos() / 8);
        assertThat(store.tryAcquire(key, 2).allowed()).isTrue();
        assertThat(store.tryAcquire(key, 1).allowed()).isFalse();
    }

    @Test
    void remainingSpendsNothingAndResetGivesTheWholeLimitAtOnce() {
        LimitKey key = LimitKey.of("remaining", Limit.of(5, Duration.ofSeconds(30)), "alice");
        assertThat(store.remaining(key)).as("a bucket never used").isEqualTo(5);
        assertThat(store.tryAcquire(key, 2).allowed()).isTrue();
        for (int i = 0; i < 3; i++) {
            assertThat(store.remaining(key)).as("asked %d times", i + 1).isEqualTo(3);
        }
        assertThat(store.tryAcquire(key, 3).allowed()).isTrue();
        assertThat(store.remaining(key)).isZero();
        assertThat(store.tryAcquire(key, 1).allowed()).isFalse();

        reset(key);
        assertThat(store.remaining(key)).as("after a reset").isEqualTo(5);
        Decision afterReset = store.tryAcquire(key, 5);
        assertThat(afterReset.allowed()).as("the whole limit at once after a reset").isTrue();
        assertThat(afterReset.decidedBy()).isEqualTo(decidingBackend());
        assertThat(store.tryAcquire(key, 1).allowed()).isFalse();
        LimitKey other = LimitKey.of("remaining", key.limit(), "bob");
        reset(other);
        assertThat(store.remaining(key)).as("a reset of another key changes nothing here").isZero();
    }

    @Test
    void aChangedLimitDecidesOverTheGrantsTheBucketHolds() {
        for (long permits : List.of(5L, 100L)) { // an exact log, and slots
            Duration window = Duration.ofMinutes(1);
            LimitKey before = LimitKey.of("changed", Limit.of(permits, window), "k" + permits);
            assertThat(store.tryAcquire(before, permits).allowed()).isTrue();
            assertThat(store.tryAcquire(before, 1).allowed()).as("%d of %d used", permits, permits).isFalse();

            LimitKey raised = before.withLimit(Limit.of(permits + 3, window));
            assertThat(store.remaining(raised)).as("raised by 3: 3 more at once").isEqualTo(3);
            Decision more = store.tryAcquire(raised, 3);
            assertThat(more.allowed()).as("raised by 3: 3 more at once").isTrue();
            assertThat(more.decidedBy()).isEqualTo(decidingBackend());
            assertThat(store.tryAcquire(raised, 1).allowed()).isFalse();

            LimitKey lowered = before.withLimit(Limit.of(permits - 2, window));
            assertThat(store.remaining(lowered)).as("lowered below what the bucket holds").isZero();
            Decision refused = store.tryAcquire(lowered, 1);
            assertThat(refused.allowed()).isFalse();
            assertThat(refused.retryAfter()).isPositive().isLessThanOrEqualTo(window);
        }
    }

    @Test
    void concurrentCallersNeverGetMoreThanThePermits() throws Exception {
        LimitKey key = LimitKey.of("concurrent", Limit.of(50, Duration.ofSeconds(30)), "hot");
        int threads = 4;
        int callsEach = 40;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Callable<Integer> caller = () -> {
                go.await();
                int granted = 0;
                for (int i = 0; i < callsEach; i++) {
                    if (store.tryAcquire(key, 1).allowed()) {
                        granted++;
                    }
                }
                return granted;
            };
            results.add(pool.submit(caller));
        }
        go.countDown();
        int total = 0;
        for (Future<Integer> result : results) {
            total += result.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(total).isEqualTo(50);
    }

    private static void parkUntil(long nanoTime) {
        long remaining;
        while ((remaining = nanoTime - System.nanoTime()) > 0) {
            LockSupport.parkNanos(remaining);
        }
    }
}
