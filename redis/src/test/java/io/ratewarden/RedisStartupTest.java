package io.ratewarden;

import io.ratewarden.redis.RatewardenRedis;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ratewarden.testing.DelayingProxy;
import io.ratewarden.testing.LogWatch;
import io.ratewarden.testing.RedisServer;
import io.ratewarden.testing.RedisServerProcess;
import io.ratewarden.testing.SchedulingDelay;
import io.ratewarden.testing.TestRedis;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.redisson.config.Config;
import org.redisson.config.ConstantDelay;

/**
 * A new instance on a real Redis: shared from its first call when Redis is reachable, never held
 * up by one that refuses connections, and honest about a first connection still being made.
 */
@Tag("fault")
class RedisStartupTest {

    @RegisterExtension
    static final LogWatch LOG = LogWatch.failOnError();

    /** A bound no first connection needs, even on a loaded machine: the wait ends when Redis answers. */
    private static final Duration PATIENT = Duration.ofSeconds(60);

    @Test
    void aNewInstancesFirstCallOnAKeyRedisHoldsFullIsRejectedByRedis() throws Exception {
        try (RedisServerProcess server = TestRedis.controllable()) {
            String prefix = "rw-start:";
            try (Ratewarden first = RedisFixtures.onRedis(RedisFixtures.builder(server.url()).keyPrefix(prefix))) {
                assertThat(first.limit("plan", Limit.of(3, Duration.ofMinutes(1))).tryAcquire("acme", 3).allowed())
                        .isTrue();
            }
            long started = System.nanoTime();
            try (Ratewarden fresh = Ratewarden.builder().name("fresh-" + server.port()).redisUrl(server.url())
                    .keyPrefix(prefix).startupWait(PATIENT).build()) {
                long builtMillis = (System.nanoTime() - started) / 1_000_000;
                Decision first = fresh.limit("plan", Limit.of(3, Duration.ofMinutes(1))).tryAcquire("acme");
                System.out.printf("a new instance built in %d ms; its first call: %s%n", builtMillis, first);
                assertThat(fresh.storeInfo().state()).isEqualTo(StoreState.HEALTHY);
                assertThat(first.allowed()).as("the key is full on Redis").isFalse();
                assertThat(first.decidedBy()).isEqualTo(Backend.REDIS);
            }
        }
    }

    @Test
    void aRefusedConnectionEndsTheWaitAtOnceAndIsAFailureNotAConnection() throws Exception {
        int nothingListens = RedisServerProcess.freePort();
        long started = System.nanoTime();
        try (Ratewarden rw = Ratewarden.builder().name("rejected-" + nothingListens)
                .redisUrl("redis://127.0.0.1:" + nothingListens).startupWait(PATIENT).build()) {
            Duration built = Duration.ofNanos(System.nanoTime() - started);
            StoreInfo info = rw.storeInfo();
            System.out.printf("build() on a refused connection returned after %d ms: %s%n", built.toMillis(), info);
            assertThat(built).as("the wait ended with the rejection, not the bound").isLessThan(PATIENT);
            assertThat(info.state()).isEqualTo(StoreState.FAILED);
            assertThat(info.lastError()).contains("Connection refused");
            assertThat(rw.limit("any", Limit.of(1, Duration.ofMinutes(1))).tryAcquire("k").decidedBy())
                    .isEqualTo(Backend.IN_MEMORY);
        }
    }

    /**
     * A Redis that accepts the connection but does not answer (paused): the instance is still
     * connecting, not failed, until the first connection has had its time; however long that
     * takes, the same cause is one WARN, whatever figures its messages hold.
     */
    @Test
    void aFirstConnectionThatHangsIsConnectingAndItsCauseIsWarnedOnce() throws Exception {
        try (RedisServerProcess server = TestRedis.controllable()) {
            server.pause();
            String name = "hung-start-" + server.port();
            long mark = LOG.mark();
            try (Ratewarden rw = Ratewarden.builder().name(name).redisUrl(server.url())
                    .probeInterval(Duration.ofMillis(100)).startupWait(Duration.ofMillis(500)).build()) {
                assertThat(rw.storeInfo().state()).as("just built, nothing answered, nothing failed")
                        .isEqualTo(StoreState.CONNECTING);
                assertThat(rw.storeInfo().backend()).isEqualTo(Backend.IN_MEMORY);
                RedisFixtures.awaitState(rw, StoreState.FAILED);
                // A second's more probes, each with a new figure in its message.
                long until = System.nanoTime() + Duration.ofSeconds(1).toNanos();
                while (System.nanoTime() < until) {
                    rw.probe();
                }
                server.resume();
                RedisFixtures.awaitState(rw, StoreState.HEALTHY);
                List<LogWatch.Line> warnings = LOG.linesSince(mark, LogWatch.Level.WARN).stream()
                        .filter(line -> line.message().contains("'" + name + "'")).toList();
                System.out.printf("a hung first connection logged %d WARN line(s): %s%n", warnings.size(),
                        warnings);
                assertThat(warnings).as("no answer in time, by a call or a connection attempt: one cause, one WARN")
                        .hasSize(1);
            }
        }
    }

    /**
     * Calls run their script by hash. A new instance's first call, and the first after Redis
     * restarted with an empty script cache, find it loaded: one round trip, where a missing script
     * costs three (EVALSHA, NOSCRIPT, SCRIPT LOAD, EVALSHA) within the same timeout.
     */
    @ParameterizedTest
    @EnumSource(RedisAlgorithm.class)
    void theFirstCallAfterAStartOrARestartFindsItsScriptLoaded(RedisAlgorithm algorithm) throws Exception {
        try (RedisServerProcess server = TestRedis.controllable();
             Ratewarden rw = Ratewarden.builder().name("scripts-" + algorithm + "-" + server.port())
                     .redisUrl(server.url()).redisAlgorithm(algorithm).probeInterval(Duration.ofMillis(100))
                     .startupWait(PATIENT).build()) {
            assertThat(rw.storeInfo().state()).isEqualTo(StoreState.HEALTHY);
            Limiter limiter = rw.limit("scripts", Limit.of(10, Duration.ofMinutes(1)));
            long missing = missingScripts(server);
            assertThat(limiter.tryAcquire("first").decidedBy()).isEqualTo(Backend.REDIS);
            assertThat(missingScripts(server) - missing).as("NOSCRIPT answers to the first call").isZero();

            server.kill();
            RedisFixtures.awaitBackend(rw, Backend.IN_MEMORY);
            server.restart();
            RedisFixtures.awaitBackend(rw, Backend.REDIS);
            missing = missingScripts(server);
            assertThat(limiter.tryAcquire("after-restart").decidedBy()).isEqualTo(Backend.REDIS);
            assertThat(missingScripts(server) - missing).as("NOSCRIPT answers to the first call after a restart")
                    .isZero();
        }
    }

    /**
     * An instance that says it decides on Redis has its decision scripts loaded and nothing of its
     * own in flight: closed at once, as a service that starts and stops, it cuts off no command and
     * no connection attempt (which Netty and Redisson report with a WARN and a stack trace). Through
     * 40 ms of latency each way, so that what is still in flight when the instance starts deciding
     * on Redis would still be in flight when the test looks.
     */
    @ParameterizedTest
    @EnumSource(RedisAlgorithm.class)
    void anInstanceDecidingOnRedisHasItsScriptsLoadedAndClosesWithoutAWarning(RedisAlgorithm algorithm)
            throws Exception {
        try (RedisServer server = TestRedis.server();
             DelayingProxy network = new DelayingProxy(server.port(), 40, 0, 0, 1)) {
            long mark = LOG.mark();
            for (int cycle = 0; cycle < 3; cycle++) {
                long loadsBefore = scriptLoads(server);
                Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder(network.url()).redisAlgorithm(algorithm)
                        .redisTimeout(Duration.ofSeconds(2)).jmx(false));
                long loaded = scriptLoads(server) - loadsBefore;
                rw.close();
                assertThat(loaded).as("SCRIPT LOADs answered when the instance started deciding on Redis")
                        .isPositive();
            }
            assertThat(LOG.linesSince(mark, LogWatch.Level.WARN)).as("WARN and ERROR lines of three starts and stops")
                    .isEmpty();
        }
    }

    /**
     * A client built from a Redisson configuration keeps Redisson's own connection retries: a first
     * connection to Sentinels that refuse goes on for as long as it says, on the instance's connect
     * thread.
     * Closing the instance meanwhile ends that attempt before the client is shut down, so close
     * leaves no thread of the instance behind and nothing (Netty's "Event loop shut down?" among
     * others) logs an ERROR for an attempt cut off.
     */
    @Test
    void closingWhileAConfiguredClientRetriesItsFirstConnectionEndsTheAttemptAndLeavesNoThread()
            throws Exception {
        int first = RedisServerProcess.freePort();
        int second = RedisServerProcess.freePort();
        Config config = new Config();
        // A patient client, as users configure them: a first connection retried for about 15 s.
        config.useSentinelServers().setMasterName("nowhere")
                .addSentinelAddress("redis://127.0.0.1:" + first, "redis://127.0.0.1:" + second)
                .setRetryAttempts(30).setRetryDelay(new ConstantDelay(Duration.ofMillis(500)));
        String name = "close-while-retrying-" + first;
        String connectThread = "ratewarden-connect-" + name;
        Ratewarden rw = Ratewarden.builder().name(name).redis(RatewardenRedis.config(config)).startupWait(Duration.ZERO)
                .jmx(false).build();
        try {
            await("the connect thread inside Redisson's retries of a first connection").atMost(PATIENT)
                    .until(() -> insideRedissonConnect(connectThread));
        } finally {
            rw.close();
        }
        assertThat(Thread.getAllStackTraces().keySet().stream().map(Thread::getName))
                .as("threads alive once close returned").doesNotContain(connectThread);
    }

    /**
     * Sentinels whose connection attempts hang (their listen queue is full, so nothing answers the
     * connect) and a client configured to wait 10 s for each: close() still returns within a second,
     * and the client created after it is shut down once its attempt ended, leaving no thread and no
     * ERROR behind.
     */
    @Test
    void closeEndsWithinASecondWhateverTheConnectTimeout() throws Exception {
        LogWatch log = LogWatch.failOnError();
        long mark = log.mark();
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
             java.net.Socket queued = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(),
                     silent.getLocalPort())) {
            Config config = new Config();
            config.useSentinelServers().setMasterName("nowhere").setConnectTimeout(10_000)
                    .addSentinelAddress("redis://127.0.0.1:" + silent.getLocalPort());
            String name = "close-while-connecting-" + silent.getLocalPort();
            String connectThread = "ratewarden-connect-" + name;
            Ratewarden rw = Ratewarden.builder().name(name).redis(RatewardenRedis.config(config)).startupWait(Duration.ZERO)
                    .jmx(false).build();
            Duration closing;
            try (SchedulingDelay delay = SchedulingDelay.measure("close-while-connecting")) {
                await("the connect thread creating the client").atMost(PATIENT)
                        .until(() -> insideRedissonConnect(connectThread) || creatingClient(connectThread));
                long start = System.nanoTime();
                rw.close();
                closing = Duration.ofNanos(System.nanoTime() - start);
                assertThat(closing).as("close() with a 10 s connect timeout in progress; %s", delay)
                        .isLessThan(delay.allowing(Duration.ofSeconds(1)));
            }
            await("the attempt's end, and the client shut down after it").atMost(Duration.ofSeconds(60))
                    .until(() -> Thread.getAllStackTraces().keySet().stream()
                            .noneMatch(t -> t.getName().equals(connectThread) || t.getName().startsWith("redisson-netty")));
            System.out.printf("close() while a client connected with a 10 s timeout: %d ms%n", closing.toMillis());
        }
        assertThat(log.linesSince(mark, LogWatch.Level.ERROR)).isEmpty();
    }

    private static boolean creatingClient(String threadName) {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(entry -> entry.getKey().getName().equals(threadName))
                .flatMap(entry -> java.util.Arrays.stream(entry.getValue()))
                .anyMatch(frame -> frame.getClassName().startsWith("org.redisson."));
    }

    private static boolean insideRedissonConnect(String threadName) {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(entry -> entry.getKey().getName().equals(threadName))
                .flatMap(entry -> java.util.Arrays.stream(entry.getValue()))
                .anyMatch(frame -> frame.getClassName().startsWith("org.redisson.connection.")
                        && frame.getMethodName().equals("connect"));
    }

    /** The EVALSHA calls this server answered with an error (NOSCRIPT, for a script it lacks). */
    private static long missingScripts(RedisServer server) throws Exception {
        return server.commandStat("evalsha", "failed_calls");
    }

    /** The SCRIPT LOAD commands this server answered. */
    private static long scriptLoads(RedisServer server) throws Exception {
        return server.commandStat("script|load", "calls");
    }
}
