package io.ratewarden.internal.failover;

import io.ratewarden.internal.window.ManualTicker;
import io.ratewarden.internal.failover.FailoverRateLimitStore;
import io.ratewarden.internal.failover.Heartbeats;
import io.ratewarden.internal.failover.ReseedableStore;
import io.ratewarden.internal.failover.StoreTimeoutException;
import io.ratewarden.internal.window.InMemoryRateLimitStore;
import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.Backend;
import io.ratewarden.Decision;
import io.ratewarden.FailurePolicy;
import io.ratewarden.FallbackShare;
import io.ratewarden.Limit;
import io.ratewarden.store.LimitKey;
import io.ratewarden.store.RateLimitStore;
import io.ratewarden.store.StoreUnavailableException;
import io.ratewarden.testing.LogWatch;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The failover store's state machine against a fake Redis side, on a manual ticker, without
 * processes: which side decides each call, what memory admits when Redis does not, and when the
 * store moves. The process-level fault tests (a killed, paused, slow Redis) are the end-to-end
 * proof of the same rules.
 */
@Tag("unit")
class FailoverRateLimitStoreTest {

    @RegisterExtension
    static final LogWatch LOG = LogWatch.failOnError();

    private static final Limit LIMIT = Limit.of(10, Duration.ofSeconds(1));
    private static final Duration TIMEOUT = Duration.ofMillis(100);

    private final ManualTicker ticker = new ManualTicker();
    private final FakeRedis redis = new FakeRedis(ticker);
    private final LimitKey key = LimitKey.of("api", LIMIT, "alice");
    private FailoverRateLimitStore store = storeWith(FallbackShare.liveInstances(), FailurePolicy.FALLBACK_LOCAL);

    private FailoverRateLimitStore storeWith(FallbackShare share, FailurePolicy policy) {
        if (store != null) {
            store.close();
        }
        return new FailoverRateLimitStore(redis, new InMemoryRateLimitStore(100, ticker, Clock.systemUTC()),
                TestSettings.of("failover-test", policy, Duration.ofSeconds(1), TIMEOUT, share, true, 100));
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void startsInMemoryAndMovesToRedisOnTheFirstProbeSuccess() {
        assertThat(store.isHealthy()).isFalse();
        assertThat(store.tryAcquire(key, 1).decidedBy()).isEqualTo(Backend.IN_MEMORY);
        assertThat(redis.calls.get()).as("no call tries a Redis never reached").isZero();

        assertThat(store.probe()).isTrue();
        assertThat(store.tryAcquire(key, 1).decidedBy()).isEqualTo(Backend.REDIS);
        assertThat(store.info().backend()).isEqualTo(Backend.REDIS);
    }

    @Test
    void anErrorFailsOverAtOnceAndMemoryIsWarmWithRedisGrants() {
        store.probe();
        for (int i = 0; i < 8; i++) {
            assertThat(store.tryAcquire(key, 1).decidedBy()).isEqualTo(Backend.REDIS);
        }
        redis.failing = true;
        Decision failedCall = store.tryAcquire(key, 1);
        assertThat(failedCall.decidedBy()).as("the failed call is decided by the policy").isEqualTo(Backend.IN_MEMORY);
        assertThat(store.isHealthy()).isFalse();
        assertThat(store.info().failovers()).isEqualTo(1);

        int callsBefore = redis.calls.get();
        long granted = 0;
        for (int i = 0; i < 20; i++) {
            if (store.tryAcquire(key, 1).allowed()) {
                granted++;
            }
        }
        assertThat(redis.calls.get()).as("no call touches Redis during the outage").isEqualTo(callsBefore);
        assertThat(granted + 1 + 8).as("memory counted Redis's 8 grants: the window stays at the limit")
                .isEqualTo(LIMIT.permits());
    }

    @Test
    void aLateReplyIsNoOutageAndTheWarmWindowDecidesIt() {
        redis.liveInstances = 1;
        store.probe();
        for (int i = 0; i < 8; i++) {
            assertThat(store.tryAcquire(key, 1).decidedBy()).isEqualTo(Backend.REDIS);
        }
        redis.slow = true;
        Decision late = store.tryAcquire(key, 1);
        assertThat(store.isHealthy()).as("one timeout is no outage").isTrue();
        assertThat(late.allowed()).as("the warm window holds 8 of 10: a late reply is not a rejection").isTrue();
        assertThat(late.decidedBy()).isEqualTo(Backend.IN_MEMORY);
        assertThat(store.tryAcquire(key, 1).allowed()).as("9 + this one").isTrue();
        Decision full = store.tryAcquire(key, 1);
        assertThat(full.allowed()).as("the warm window is full: the limit rejects").isFalse();
        assertThat(full.storeFailure()).as("a limit's rejection, not a store failure").isFalse();
        assertThat(full.retryAfter()).isPositive().isLessThanOrEqualTo(LIMIT.window());
        assertThat(store.fallbackDecisions()).isEqualTo(3);

        ticker.advance(TIMEOUT.multipliedBy(4));
        store.tryAcquire(key, 1);
        assertThat(store.isHealthy()).as("timeouts that persist for three timeouts fail over").isFalse();
    }

    @Test
    void aLateReplyOfOneInstanceOfThreeIsGrantedWithinItsShare() {
        redis.liveInstances = 3;
        store.probe();
        assertThat(store.tryAcquire(key, 2).decidedBy()).isEqualTo(Backend.REDIS);
        redis.slow = true;
        assertThat(store.tryAcquire(key, 1).allowed()).as("2 held of a share of ceil(10 / 3) = 4").isTrue();
        assertThat(store.tryAcquire(key, 1).allowed()).as("the share's last permit").isTrue();
        Decision beyondShare = store.tryAcquire(key, 1);
        assertThat(beyondShare.allowed()).as("memory knows nothing of the other two instances' grants").isFalse();
        assertThat(beyondShare.decidedBy()).isEqualTo(Backend.IN_MEMORY);
    }

    @Test
    void underRejectALateReplyIsAStoreFailureNotTheLimit() {
        store = storeWith(FallbackShare.liveInstances(), FailurePolicy.REJECT);
        store.probe();
        redis.slow = true;
        Decision late = store.tryAcquire(key, 1);
        assertThat(late.allowed()).isFalse();
        assertThat(late.storeFailure()).as("the limit was not the cause").isTrue();
        assertThat(store.isHealthy()).as("one slow reply is no outage").isTrue();

        Decision allowing = store.tryAcquire(key, 1, FailurePolicy.ALLOW);
        assertThat(allowing.allowed()).as("failing open is the ALLOW policy's to do").isTrue();
        assertThat(allowing.storeFailure()).isFalse();
    }

    @Test
    void aGrantRedisSendsAfterTheCallerStoppedWaitingIsRecordedOnceInMemory() {
        store.probe();
        for (int i = 0; i < 10; i++) {
            assertThat(store.tryAcquire(key, 1).allowed()).isTrue();
        }
        ticker.advance(LIMIT.window());
        for (int i = 0; i < 9; i++) {
            assertThat(store.tryAcquire(key, 1).allowed()).isTrue();
        }
        java.util.concurrent.CompletableFuture<Object> answer = new java.util.concurrent.CompletableFuture<>();
        redis.lateAnswer = answer;
        assertThat(store.tryAcquire(key, 1).allowed()).as("memory has room for the 10th").isTrue();
        answer.complete(0L); // Redis granted it too, late: memory granted it already
        redis.lateAnswer = null;
        assertThat(store.local().remaining(key)).as("counted once, not twice").isZero();

        ticker.advance(LIMIT.window());
        for (int i = 0; i < 10; i++) {
            assertThat(store.tryAcquire(key, 1).allowed()).isTrue();
        }
        java.util.concurrent.CompletableFuture<Object> second = new java.util.concurrent.CompletableFuture<>();
        redis.lateAnswer = second;
        Decision rejected = store.tryAcquire(key, 1);
        assertThat(rejected.allowed()).as("memory is full").isFalse();
        ticker.advance(LIMIT.window());
        assertThat(store.local().remaining(key)).isEqualTo(10);
        second.complete("3"); // Redis granted the call memory rejected (answered as text): memory learns of it
        assertThat(store.local().remaining(key)).as("the late grant is recorded").isEqualTo(9);
    }

    @Test
    void recoveryTakesTwoProbesAndTheFirstWindowAfterItMustFitMemoryToo() {
        store.probe();
        redis.failing = true;
        store.tryAcquire(key, 1);
        for (int i = 0; i < 9; i++) {
            assertThat(store.tryAcquire(key, 1).allowed()).as("outage call %d", i + 1).isTrue();
        }
        redis.failing = false;
        assertThat(store.probe()).as("one success is not a recovery").isFalse();
        assertThat(store.probe()).isTrue();
        assertThat(store.info().recoveries()).isEqualTo(1);

        Decision afterRecovery = store.tryAcquire(key, 1);
        assertThat(afterRecovery.allowed()).as("Redis never saw the outage's 10 grants; memory did").isFalse();
        assertThat(redis.calls.get()).as("rejected in memory without a round trip").isZero();

        ticker.advance(LIMIT.window());
        Decision later = store.tryAcquire(key, 1);
        assertThat(later.allowed()).isTrue();
        assertThat(later.decidedBy()).isEqualTo(Backend.REDIS);
    }

    @Test
    void duringAnOutageEachInstanceAdmitsItsShareOfTheInstancesAliveBeforeIt() {
        redis.liveInstances = 2;
        store.probe();
        redis.failing = true;
        store.probe();
        long granted = 0;
        for (int i = 0; i < 20; i++) {
            if (store.tryAcquire(key, 1).allowed()) {
                granted++;
            }
        }
        assertThat(granted).as("half of 10, for two instances").isEqualTo(5);
    }

    @Test
    void aKeyRedisRejectedIsRejectedWithoutARoundTripUntilItsRetryTime() {
        store.probe();
        assertThat(store.tryAcquire(key, 10).allowed()).isTrue();
        Decision rejected = store.tryAcquire(key, 1);
        assertThat(rejected.allowed()).isFalse();
        int calls = redis.calls.get();

        Decision cached = store.tryAcquire(key, 1);
        assertThat(cached.allowed()).isFalse();
        assertThat(cached.decidedBy()).as("Redis's verdict, still in force").isEqualTo(Backend.REDIS);
        assertThat(redis.calls.get()).isEqualTo(calls);
        assertThat(store.cachedRejections()).isEqualTo(1);

        ticker.advance(rejected.retryAfter());
        assertThat(store.tryAcquire(key, 1).allowed()).isTrue();
        assertThat(redis.calls.get()).isEqualTo(calls + 1);
    }

    @Test
    void rejectAndAllowPoliciesDecideEveryOutageCallAlike() {
        store = storeWith(FallbackShare.liveInstances(), FailurePolicy.REJECT);
        store.probe();
        redis.failing = true;
        store.probe();
        assertThat(store.tryAcquire(key, 1).allowed()).isFalse();
        assertThat(store.tryAcquire(key, 1, FailurePolicy.ALLOW).allowed()).as("a call's own policy wins").isTrue();
        assertThat(store.fallbackDecisions()).isEqualTo(2);
    }

    @Test
    void severalLimitsGoInOneRoundTripAndASpentOneIsAnsweredWithoutOne() {
        store.probe();
        LimitKey burst = LimitKey.of("burst", Limit.of(2, Duration.ofSeconds(1)), "alice");
        LimitKey[] both = {key, burst};
        long[] one = {1, 1};
        for (int i = 0; i < 2; i++) {
            Decision[] granted = store.tryAcquireTogether(both, one);
            assertThat(granted).allMatch(decision -> decision.allowed() && decision.decidedBy() == Backend.REDIS);
        }
        assertThat(redis.calls.get()).as("one round trip per call of two limits").isEqualTo(2);
        Decision[] refused = store.tryAcquireTogether(both, one);
        assertThat(refused[1].allowed()).isFalse();
        assertThat(redis.calls.get()).isEqualTo(3);
        Decision[] cached = store.tryAcquireTogether(both, one);
        assertThat(cached[1].allowed()).isFalse();
        assertThat(cached[0]).as("not asked").isNull();
        assertThat(redis.calls.get()).as("the over-limit cache answered").isEqualTo(3);
        assertThat(store.cachedRejections()).isEqualTo(1);

        redis.failing = true;
        store.probe();
        assertThat(store.tryAcquire(burst, 1).allowed()).as("memory holds the grants Redis made together").isFalse();
        assertThat(store.tryAcquire(key, 1).allowed()).isTrue();
    }

    @Test
    void aFailedJointCallFailsOverAndLeavesEachLimitToBeAskedInTurn() {
        store.probe();
        LimitKey burst = LimitKey.of("burst", Limit.of(2, Duration.ofSeconds(1)), "alice");
        redis.failing = true;
        assertThat(store.tryAcquireTogether(new LimitKey[] {key, burst}, new long[] {1, 1})).isNull();
        assertThat(store.isHealthy()).as("an error fails over at once, as for one limit").isFalse();
        assertThat(store.decidesTogether()).isFalse();
    }

    /**
     * Redis as the failover store sees it: decides in memory on the test's ticker (reported as
     * Redis), or fails as Redis does, with an error or with no answer.
     */
    private static final class FakeRedis implements ReseedableStore, Heartbeats, SharedBackend {

        @Override
        public ReseedableStore store() {
            return this;
        }

        @Override
        public Heartbeats heartbeats() {
            return this;
        }

        @Override
        public String describe(Throwable failure) {
            return failure.toString();
        }

        @Override
        public String maskedAddress() {
            return "redis://fake:6379";
        }

        /** A decision's answer as Redis sends it: the permits left, as a number or as text. */
        @Override
        public boolean granted(Object answer) {
            return answer instanceof Number n ? n.longValue() >= 0
                    : answer instanceof String text && !text.startsWith("-");
        }

        @Override
        public void onLateAnswer(Runnable listener) {
        }

        @Override
        public void onReseed(java.util.function.BiConsumer<LimitKey, Long> listener) {
        }

        private final InMemoryRateLimitStore limits;
        final AtomicInteger calls = new AtomicInteger();
        volatile boolean failing;
        volatile boolean slow;
        volatile java.util.concurrent.CompletableFuture<Object> lateAnswer;
        volatile int liveInstances = 1;

        FakeRedis(ManualTicker ticker) {
            this.limits = new InMemoryRateLimitStore(100, ticker, Clock.systemUTC());
        }

        @Override
        public Decision tryAcquire(LimitKey key, long permits) {
            fail();
            calls.incrementAndGet();
            Decision decision = limits.tryAcquire(key, permits);
            return decision.allowed() ? Decision.allowed(Backend.REDIS)
                    : Decision.rejected(Backend.REDIS, decision.retryAfter());
        }

        @Override
        public boolean decidesTogether() {
            return true;
        }

        @Override
        public Decision[] tryAcquireTogether(LimitKey[] keys, long[] permits, long[] heldHere) {
            fail();
            calls.incrementAndGet();
            Decision[] decisions = new Decision[keys.length];
            for (int i = 0; i < keys.length; i++) {
                if (limits.remaining(keys[i]) < permits[i]) {
                    decisions[i] = Decision.rejected(Backend.REDIS, Duration.ofSeconds(1));
                    return decisions;
                }
            }
            for (int i = 0; i < keys.length; i++) {
                limits.tryAcquire(keys[i], permits[i]);
                decisions[i] = Decision.allowed(Backend.REDIS);
            }
            return decisions;
        }

        @Override
        public Heartbeat beat(String instanceId, Duration ttl) {
            fail();
            return new Heartbeat(Duration.ofMillis(1), liveInstances);
        }

        private void fail() {
            if (failing) {
                throw new StoreUnavailableException("Connection refused: redis://fake:6379");
            }
            if (slow) {
                throw StoreTimeoutException.after("no answer", TIMEOUT.toNanos(), TIMEOUT.toNanos());
            }
            if (lateAnswer != null) {
                throw StoreTimeoutException.after("no answer yet", TIMEOUT.toNanos(), TIMEOUT.toNanos(), lateAnswer);
            }
        }

        @Override
        public boolean isHealthy() {
            return !failing;
        }

        @Override
        public io.ratewarden.StoreInfo info() {
            return limits.info();
        }
    }
}
