package io.ratewarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ratewarden.testing.LogWatch;
import io.ratewarden.testing.RedisServer;
import io.ratewarden.testing.RedisServerProcess;
import io.ratewarden.testing.Resp;
import io.ratewarden.testing.SchedulingDelay;
import io.ratewarden.testing.TestRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What real deployments do to Redis, on real {@code redis-server} processes: stalls shorter and
 * longer than a failover should take, a wrong password, a poisoned key, instances that disagree on
 * a limit, flushes under load. Every figure a test measures is printed beside its bound; a latency
 * bound is the product's promise plus the scheduling delay measured in the same run.
 */
@Tag("fault")
class RedisDeploymentFaultTest {

    private static final Duration TIMEOUT = RedisFixtures.TIMEOUT;

    /** What a call may add to the Redis timeout on an idle machine: the timer's wake-up, the fallback. */
    private static final Duration MARGIN = Duration.ofMillis(50);

    /**
     * One caller every 5 ms, recording its slowest call and how each call was decided, and how late
     * the JVM's threads ran meanwhile.
     */
    private static final class PacedCaller implements AutoCloseable {
        final AtomicBoolean stop = new AtomicBoolean();
        final LongAccumulator slowestNanos = new LongAccumulator(Math::max, 0);
        final AtomicLong inMemory = new AtomicLong();
        final AtomicLong calls = new AtomicLong();
        final ConcurrentLinkedQueue<Throwable> thrown = new ConcurrentLinkedQueue<>();
        final SchedulingDelay delay = SchedulingDelay.measure("paced-caller");
        final Thread thread;

        PacedCaller(Limiter limiter) {
            thread = new Thread(() -> {
                long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (!stop.get() && System.nanoTime() < end) {
                    long start = System.nanoTime();
                    try {
                        Decision decision = limiter.tryAcquire("paced");
                        if (decision.decidedBy() == Backend.IN_MEMORY) {
                            inMemory.incrementAndGet();
                        }
                    } catch (RuntimeException e) {
                        thrown.add(e);
                    }
                    slowestNanos.accumulate(System.nanoTime() - start);
                    calls.incrementAndGet();
                    LockSupport.parkNanos(5_000_000); // the pace of the caller, not a synchronisation
                }
            }, "paced-caller");
            thread.start();
        }

        void resetSlowest() {
            delay.reset();
            slowestNanos.reset();
        }

        Duration slowest() {
            return Duration.ofNanos(slowestNanos.get());
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            delay.close();
            thread.join(10_000);
        }
    }

    @Test
    void aStallOf150MsFailsNothingOverAndNoCallWaitsLongerThanTheTimeout() throws Exception {
        try (RedisServer server = TestRedis.server("--enable-debug-command", "yes");
             Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder(server.url()))) {
            Limiter limiter = rw.limit("stall", Limit.of(1_000_000, Duration.ofMinutes(1)));
            try (PacedCaller caller = new PacedCaller(limiter)) {
                await().until(() -> caller.calls.get() > 50);
                caller.resetSlowest();
                long before = caller.calls.get();
                server.call("DEBUG", "SLEEP", "0.15"); // returns when the server wakes
                await().until(() -> caller.calls.get() > before + 40);
                StoreInfo info = rw.storeInfo();
                Duration bound = caller.delay.allowing(TIMEOUT.plus(MARGIN));
                System.out.printf("DEBUG SLEEP 0.15 under a call every 5 ms: %d failovers (bound 0), slowest call"
                        + " %d ms (timeout %d ms, bound %d ms with the %s), %d calls decided by the policy%n",
                        info.failovers(), caller.slowest().toMillis(), TIMEOUT.toMillis(), bound.toMillis(),
                        caller.delay, caller.inMemory.get());
                assertThat(info.failovers()).as("failovers").isZero();
                assertThat(caller.slowest()).as("no call waits past the timeout").isLessThanOrEqualTo(bound);
                assertThat(caller.thrown).isEmpty();
            }
        }
    }

    @Test
    void aHungRedisIsLeftWithinAboutThreeTimeouts() throws Exception {
        try (RedisServer server = TestRedis.server();
             Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder(server.url()).probeInterval(Duration.ofSeconds(1)))) {
            Limiter limiter = rw.limit("hung", Limit.of(1_000_000, Duration.ofMinutes(1)));
            try (PacedCaller caller = new PacedCaller(limiter)) {
                await().until(() -> caller.calls.get() > 50);
                caller.resetSlowest();
                long stoppedAt = System.nanoTime();
                server.pause();
                RedisFixtures.awaitBackend(rw, Backend.IN_MEMORY);
                Duration took = Duration.ofNanos(System.nanoTime() - stoppedAt);
                // Three to four timeouts of 100 ms, the pace and the probe: within 700 ms on an idle
                // machine. Each of the four timed-out calls can be late by the scheduling delay.
                Duration leftBound = caller.delay.allowing(Duration.ofMillis(700)).plus(caller.delay.worst());
                Duration callBound = caller.delay.allowing(TIMEOUT.plus(MARGIN));
                System.out.printf("SIGSTOP under a call every 5 ms: in memory after %d ms (bound %d ms), slowest"
                        + " call %d ms (bound %d ms), %s%n", took.toMillis(), leftBound.toMillis(),
                        caller.slowest().toMillis(), callBound.toMillis(), caller.delay);
                assertThat(took).isLessThanOrEqualTo(leftBound);
                assertThat(caller.slowest()).isLessThan(callBound);
                server.resume();
            }
        }
    }

    @Test
    void afterRecoveryTheFirstWindowAlsoHoldsWhatWasGrantedInMemoryDuringTheOutage() throws Exception {
        try (RedisServer server = TestRedis.server();
             Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder(server.url())
                     .redisTimeout(Duration.ofSeconds(1)))) { // no slow reply decides a call here
            Limiter limiter = rw.limit("recovery", Limit.of(100, Duration.ofSeconds(30)));
            for (int i = 0; i < 60; i++) {
                assertThat(limiter.tryAcquire("k").decidedBy()).isEqualTo(Backend.REDIS);
            }
            server.kill();
            RedisFixtures.awaitBackend(rw, Backend.IN_MEMORY);
            long inMemory = 0;
            for (int i = 0; i < 100; i++) {
                inMemory += limiter.tryAcquire("k").allowed() ? 1 : 0;
            }
            server.restart(); // empty: Redis knows none of the 100 grants
            RedisFixtures.awaitBackend(rw, Backend.REDIS);
            long afterRecovery = 0;
            for (int i = 0; i < 100; i++) {
                afterRecovery += limiter.tryAcquire("k").allowed() ? 1 : 0;
            }
            System.out.printf("100 per 30 s: 60 granted on Redis, %d in memory during the outage, %d in the first"
                    + " window after recovery on an empty Redis (bound %d)%n", inMemory, afterRecovery,
                    100 - 60 - inMemory);
            assertThat(inMemory).as("the warm fallback's room").isEqualTo(40);
            assertThat(afterRecovery).as("nothing beyond the limit in the window spanning the outage").isZero();
        }
    }

    @Test
    void aWrongPasswordIsSaidAtOnceInLastErrorAndOneWarn() throws Exception {
        LogWatch log = LogWatch.failOnError();
        try (RedisServer server = TestRedis.server("--requirepass", "the-right-one")) {
            long mark = log.mark();
            long start = System.nanoTime();
            try (Ratewarden rw = RedisFixtures.builder("redis://:Wr0ngPassw0rd@127.0.0.1:" + server.port()).build()) {
                await().atMost(RedisFixtures.STATE_REACHED).pollInterval(Duration.ofMillis(10))
                        .until(() -> String.valueOf(rw.storeInfo().lastError()).contains("WRONGPASS"));
                long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                await().atMost(RedisFixtures.STATE_REACHED)
                        .until(() -> !log.linesSince(mark, LogWatch.Level.WARN).isEmpty());
                List<LogWatch.Line> warnings = log.linesSince(mark, LogWatch.Level.WARN);
                System.out.printf("wrong password: lastError after %d ms: %s%n", tookMillis,
                        rw.storeInfo().lastError());
                assertThat(warnings.get(0).message()).contains("WRONGPASS").doesNotContain("Wr0ngPassw0rd");
                assertThat(rw.storeInfo().lastError()).doesNotContain("Wr0ngPassw0rd");
                assertThat(rw.storeInfo().backend()).isEqualTo(Backend.IN_MEMORY);
            }
            assertThat(log.linesSince(mark, LogWatch.Level.WARN)).as("one WARN for the one cause").hasSize(1);
        }
    }

    @Test
    void aCleanStartReportsNoError() throws Exception {
        try (RedisServer server = TestRedis.server();
             Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder(server.url()))) {
            rw.limit("clean", Limit.of(10, Duration.ofSeconds(1))).tryAcquire("k");
            assertThat(rw.storeInfo().lastError()).isNull();
            assertThat(rw.storeInfo().lastErrorAt()).isNull();
        }
    }

    @Test
    void aPoisonedKeyCostsThatKeyAloneAndIsRepaired() throws Exception {
        LogWatch log = LogWatch.failOnError();
        try (RedisServer server = TestRedis.server();
             // A timeout long enough that a busy machine's slow reply is not what this test sees.
             Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder(server.url()).keyPrefix("poison:")
                     .redisTimeout(Duration.ofSeconds(1)))) {
            Limiter limiter = rw.limit("api", Limit.of(1_000, Duration.ofMinutes(1)));
            for (int k = 0; k < 100; k++) {
                assertThat(limiter.tryAcquire("user-" + k).decidedBy()).isEqualTo(Backend.REDIS);
            }
            long mark = log.mark();
            server.call("DEL", "{poison:api:user-7}:value");
            server.call("HSET", "{poison:api:user-7}:value", "not", "a counter");
            Decision poisoned = limiter.tryAcquire("user-7");
            assertThat(poisoned.decidedBy()).as("decided by the policy for that key").isEqualTo(Backend.IN_MEMORY);
            int onRedis = 0;
            for (int round = 0; round < 20; round++) {
                for (int k = 0; k < 100; k++) {
                    if (k != 7 && limiter.tryAcquire("user-" + k).decidedBy() == Backend.REDIS) {
                        onRedis++;
                    }
                }
            }
            await().atMost(RedisFixtures.STATE_REACHED)
                    .until(() -> limiter.tryAcquire("user-7").decidedBy() == Backend.REDIS);
            List<LogWatch.Line> warnings = log.linesSince(mark, LogWatch.Level.WARN);
            System.out.printf("one poisoned key of 100: %d of 1980 calls on other keys decided by Redis, %d"
                    + " failovers, %d WARN%n", onRedis, rw.storeInfo().failovers(), warnings.size());
            assertThat(onRedis).as("every call on the other 99 keys").isEqualTo(20 * 99);
            assertThat(rw.storeInfo().failovers()).isZero();
            assertThat(warnings).hasSize(1);
            assertThat(warnings.get(0).message()).contains("api").contains("WRONGTYPE");
        }
    }

    @Test
    void instancesThatDisagreeOnALimitAndFlushesUnderLoadNeverThrowAtCallers() throws Exception {
        try (RedisServer server = TestRedis.server()) {
            String prefix = "disagree:";
            try (Ratewarden ten = RedisFixtures.onRedis(RedisFixtures.builder(server.url()).keyPrefix(prefix)
                         .redisTimeout(Duration.ofMillis(500)));
                 Ratewarden twenty = RedisFixtures.onRedis(RedisFixtures.builder(server.url()).keyPrefix(prefix)
                         .redisTimeout(Duration.ofMillis(500)))) {
                List<Limiter> limiters = List.of(ten.limit("rate", Limit.of(10, Duration.ofSeconds(1))),
                        twenty.limit("rate", Limit.of(20, Duration.ofSeconds(1))));
                ExecutorService pool = Executors.newFixedThreadPool(4);
                ConcurrentLinkedQueue<Throwable> thrown = new ConcurrentLinkedQueue<>();
                AtomicLong calls = new AtomicLong();
                long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
                List<Future<?>> workers = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    Limiter limiter = limiters.get(t % 2);
                    workers.add(pool.submit(() -> {
                        for (int i = 0; i < 1_000_000 && System.nanoTime() < end; i++) {
                            long cost = 1 + ThreadLocalRandom.current().nextLong(limiter.limit().permits());
                            try {
                                limiter.tryAcquire("k" + (i % 4), cost);
                            } catch (RuntimeException e) {
                                thrown.add(e);
                            }
                            calls.incrementAndGet();
                        }
                    }));
                }
                int flushes = 0;
                while (System.nanoTime() < end - Duration.ofMillis(500).toNanos()) {
                    if (flushes < 16 && System.nanoTime() > end - Duration.ofMillis(2_500).toNanos()) {
                        server.call("FLUSHALL");
                        flushes++;
                    }
                    LockSupport.parkNanos(50_000_000); // a flush every 50 ms, as an operator's script would
                }
                for (Future<?> worker : workers) {
                    worker.get(30, TimeUnit.SECONDS);
                }
                pool.shutdown();
                System.out.printf("10/s and 20/s on one limit name, costs up to the rate, %d FLUSHALL: %d calls,"
                        + " %d exceptions (bound 0)%n", flushes, calls.get(), thrown.size());
                assertThat(thrown).as("exceptions reaching callers").isEmpty();
                assertThat(calls.get()).isPositive();
            }
        }
    }

    @Test
    void eachBuildFromOneRedissonYamlHasItsOwnClient(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        try (RedisServer server = TestRedis.server()) {
            java.nio.file.Path yaml = dir.resolve("redisson.yaml");
            java.nio.file.Files.writeString(yaml, "singleServerConfig:\n  address: \"" + server.url() + "\"\n");
            RatewardenBuilder builder = RedisFixtures.builder(server.url()).redissonYaml(yaml);
            Ratewarden first = RedisFixtures.onRedis(builder.name("yaml-first-" + server.port()));
            try (Ratewarden second = RedisFixtures.onRedis(builder.name("yaml-second-" + server.port()))) {
                first.close();
                Decision after = second.limit("yaml", Limit.of(10, Duration.ofMinutes(1))).tryAcquire("k");
                assertThat(after.decidedBy()).as("the second instance after the first closed").isEqualTo(Backend.REDIS);
                assertThat(second.storeInfo().failovers()).isZero();
            }
        }
    }

    @Test
    void closingDuringCallsLogsNoFailover() throws Exception {
        LogWatch log = LogWatch.failOnError();
        try (RedisServer server = TestRedis.server()) {
            Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder(server.url()));
            Limiter limiter = rw.limit("closing", Limit.of(1_000_000, Duration.ofMinutes(1)));
            try (LoadThreads load = new LoadThreads(limiter, 4)) {
                await().until(() -> load.redisDecisions.get() > 200);
                long mark = log.mark();
                rw.close();
                load.stop();
                assertThat(log.linesSince(mark, LogWatch.Level.WARN)).as("WARN lines after close()").isEmpty();
                assertThat(load.thrown).allSatisfy(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("is closed"));
            }
        }
    }

    @Test
    void buildAndCloseCyclesLeaveNoThreadsConnectionsOrFilesBehind() throws Exception {
        LogWatch log = LogWatch.failOnError();
        try (RedisServer server = TestRedis.server()) {
            long mark = log.mark();
            int deadPort = RedisServerProcess.freePort();
            long threadsBefore = redissonThreads();
            long filesBefore = openFiles();
            int clientsBefore = connectedClients(server);
            for (int cycle = 0; cycle < 100; cycle++) {
                String url = cycle % 2 == 0 ? server.url() : "redis://127.0.0.1:" + deadPort;
                try (Ratewarden rw = RedisFixtures.builder(url).jmx(false).build()) {
                    Limiter limiter = rw.limit("cycle", Limit.of(100, Duration.ofSeconds(1)));
                    for (int i = 0; i < 20; i++) {
                        limiter.tryAcquire("k");
                    }
                }
            }
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> redissonThreads() <= threadsBefore);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("threads left: " + Thread.getAllStackTraces().keySet().stream()
                        .map(Thread::getName).filter(n -> n.startsWith("redisson-") || n.startsWith("ratewarden-"))
                        .sorted().toList(), e);
            }
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> connectedClients(server) <= clientsBefore);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError(connectedClients(server) + " clients left of " + clientsBefore + ", files " + filesBefore + " -> " + openFiles() + ": "
                        + server.call("CLIENT", "LIST"), e);
            }
            long files = openFiles();
            System.out.printf("100 build/close cycles (half on a dead Redis): redisson threads %d -> %d, open files"
                    + " %d -> %d (bound +50), connected clients %d -> %d%n", threadsBefore, redissonThreads(),
                    filesBefore, files, clientsBefore, connectedClients(server));
            assertThat(files).isLessThanOrEqualTo(filesBefore + 50);
            // Closing while the heartbeat still opens Redisson's first connection used to log
            // "HashedWheelTimer cannot be started once stopped" from Redisson, 6-11 times a run.
            assertThat(log.linesSince(mark, LogWatch.Level.ERROR)).as("ERROR lines of the cycles").isEmpty();
            // The dead Redis's cycles warn about it; the client library has nothing to warn about.
            assertThat(log.linesSince(mark, LogWatch.Level.WARN))
                    .filteredOn(line -> !line.logger().startsWith("io.ratewarden"))
                    .as("WARN lines of the cycles from Redisson or Netty").isEmpty();
        }
    }

    private static long redissonThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("redisson-") || t.getName().startsWith("ratewarden-")).count();
    }

    private static long openFiles() throws Exception {
        try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private static int connectedClients(RedisServer server) throws Exception {
        for (String line : Resp.call("127.0.0.1", server.port(), null, "INFO", "clients").split("\r?\n")) {
            if (line.startsWith("connected_clients:")) {
                return Integer.parseInt(line.substring(line.indexOf(':') + 1).trim()) - 1; // this connection
            }
        }
        throw new AssertionError("no connected_clients in INFO clients");
    }
}
