package io.ratewarden.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ratewarden.Decision;
import io.ratewarden.Limit;
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
 * The behaviour every store promises, proven on each store by a subclass: the same grants, the
 * same sliding window, the same isolation of keys and limits. Runs in real time (Redis limiters
 * read the client's clock), with windows short enough to keep the suite fast.
 */
abstract class RateLimitStoreContract {

    protected RateLimitStore store;

    /** Returns a fresh, empty store (unique key space on a shared Redis). */
    protected abstract RateLimitStore newStore() throws Exception;

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
            assertThat(store.tryAcquire(key, 1).allowed()).as("call %d", i + 1).isTrue();
        }
        Decision rejected = store.tryAcquire(key, 1);
        assertThat(rejected.allowed()).isFalse();
        assertThat(rejected.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMillis(30_000 + 30_000 / 16));
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
