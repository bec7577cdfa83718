package io.ratewarden.internal.failover;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The background probe of an instance on Redis: every probe interval it writes the instance's
 * heartbeat, bounded by the Redis timeout, and tells {@link RedisHealth} what it found. Its
 * successes bring the instance back to Redis (and onto it after start-up), its failures fail it
 * over, and each heartbeat's count of live instances and its other news go to a listener.
 *
 * <h2>The first connection</h2>
 * Redisson opens its first connection (and re-creates a broken TLS session) on the thread that
 * issues a command, for as long as its connect timeouts allow. So each heartbeat runs on a thread
 * of its own, and the probe waits for it no longer than the Redis timeout; a heartbeat still
 * running a probe interval later is opening a connection, or its thread is kept from the CPU,
 * and its outcome, when it comes, is what counts. A cold client's first connection may take
 * longer than one timeout: until the connect grace has passed, a missing answer is no failure
 * (the instance is still connecting); an error reply or a refused connection is one at once.
 *
 * <p>This class is thread-safe.
 */
final class RedisProber implements AutoCloseable {

    private static final Duration AFTER_INTERRUPT = Duration.ofMillis(150);
    private static final Duration MIN_HEARTBEAT_GRACE = Duration.ofMillis(100);
    private static final Duration MAX_HEARTBEAT_GRACE = Duration.ofMillis(600);

    private final Heartbeats heartbeats;
    private final String instanceName;
    private final RedisHealth health;
    private final Consumer<Heartbeats.Heartbeat> news;
    private final Consumer<Throwable> failures;
    private final String instanceId;
    private final String described;
    private final Duration probeInterval;
    private final Duration redisTimeout;
    private final long connectGraceNanos;
    private final ScheduledExecutorService prober;
    private final ExecutorService connector;
    private final long createdAt = System.nanoTime();
    private Future<Heartbeats.Heartbeat> pendingHeartbeat; // under this object's lock
    private long pendingSince;                              // under this object's lock
    private volatile boolean closed;

    /**
     * Creates the probe; {@link #start()} starts it.
     *
     * @param heartbeats where the heartbeat is written
     * @param health what the probe reports its successes and timeouts to
     * @param news what hears each heartbeat's answer (the live instances, and more)
     * @param failures what hears every other failure of a heartbeat
     * @param instanceName the instance's name, for thread names
     * @param instanceId the instance's unique id on Redis
     * @param described the backend as messages name it ({@code "Redis <masked url>"})
     * @param probeInterval the time between two probes
     * @param redisTimeout the longest the probe waits for a heartbeat
     * @param connectGrace how long after start a missing answer is not yet a failure
     */
    RedisProber(Heartbeats heartbeats, RedisHealth health, Consumer<Heartbeats.Heartbeat> news,
                Consumer<Throwable> failures, String instanceName, String instanceId, String described,
                Duration probeInterval, Duration redisTimeout, Duration connectGrace) {
        this.heartbeats = Objects.requireNonNull(heartbeats, "heartbeats");
        this.health = health;
        this.news = news;
        this.failures = failures;
        this.instanceId = instanceId;
        this.described = described;
        this.probeInterval = probeInterval;
        this.redisTimeout = redisTimeout;
        this.connectGraceNanos = connectGrace.toNanos();
        this.instanceName = instanceName;
        this.prober = Executors.newSingleThreadScheduledExecutor(daemon("ratewarden-probe-" + instanceName));
        this.connector = Executors.newSingleThreadExecutor(daemon("ratewarden-connect-" + instanceName));
    }

    /** Starts the background probe, which first runs at once. */
    void start() {
        prober.scheduleWithFixedDelay(this::probeQuietly, 0, probeInterval.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Probes Redis now, on the calling thread, and returns whether Redis decides after it. Blocks
     * at most for the Redis timeout.
     *
     * @return whether Redis decides after the probe
     */
    synchronized boolean probe() {
        if (closed) {
            return false;
        }
        boolean coldStart = !health.connectedOnce() && System.nanoTime() - createdAt < connectGraceNanos;
        Future<Heartbeats.Heartbeat> previous = pendingHeartbeat;
        if (previous != null) {
            if (!previous.isDone()) {
                if (!coldStart && !health.connectedOnce()) {
                    long waited = System.nanoTime() - pendingSince;
                    health.timedOut(noAnswer(waited), waited);
                }
                return health.isHealthy();
            }
            pendingHeartbeat = null;
            Throwable lateFailure = failureOf(previous);
            if (lateFailure != null && !(coldStart && lateFailure instanceof StoreTimeoutException)) {
                failures.accept(lateFailure); // what the slow attempt finally ran into
            }
        }
        long sentAt = System.nanoTime();
        Future<Heartbeats.Heartbeat> heartbeat;
        try {
            heartbeat = connector.submit(() -> heartbeats.beat(instanceId, probeInterval.multipliedBy(3)));
        } catch (RejectedExecutionException e) {
            return false; // closed meanwhile
        }
        try {
            Heartbeats.Heartbeat beat = heartbeat.get(redisTimeout.toNanos(), TimeUnit.NANOSECONDS);
            news.accept(beat);
            health.probeSucceeded(beat.roundTrip());
        } catch (TimeoutException e) {
            pendingHeartbeat = heartbeat;
            pendingSince = sentAt;
            if (!coldStart) {
                long waited = System.nanoTime() - sentAt;
                failures.accept(StoreTimeoutException.after(noAnswer(waited), waited, redisTimeout.toNanos()));
            }
        } catch (ExecutionException e) {
            if (!(coldStart && e.getCause() instanceof StoreTimeoutException)) {
                failures.accept(e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return health.isHealthy();
    }

    /**
     * Stops the probe and waits for it and for the heartbeat in progress, within a second in all
     * whatever the client's connect timeout. The heartbeat is given its Redis timeout (at least
     * 100 ms, at most 600 ms) to end by itself; one still running then is interrupted, which ends
     * the retries a Redisson configuration asks for at once. One still inside a single connection
     * attempt (Redisson connects to a configuration's Sentinels one by one, each for its connect
     * timeout, and cannot be interrupted) is not waited for: {@link #afterHeartbeat} runs what must
     * wait for it.
     */
    @Override
    public void close() {
        closed = true;
        prober.shutdownNow();
        connector.shutdown();
        try {
            prober.awaitTermination(AFTER_INTERRUPT.toMillis(), TimeUnit.MILLISECONDS);
            long grace = Math.min(Math.max(redisTimeout.toNanos(), MIN_HEARTBEAT_GRACE.toNanos()),
                    MAX_HEARTBEAT_GRACE.toNanos());
            if (!connector.awaitTermination(grace, TimeUnit.NANOSECONDS)) {
                connector.shutdownNow();
                connector.awaitTermination(AFTER_INTERRUPT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * After {@link #close()}: runs {@code task} once no heartbeat runs any more, at once on this
     * thread when none does, else on a daemon thread when the connection attempt in progress ends.
     *
     * @param task what must not run while a heartbeat does: shutting the client down
     */
    void afterHeartbeat(Runnable task) {
        if (connector.isTerminated()) {
            task.run();
            return;
        }
        Thread waiter = new Thread(() -> {
            try {
                while (!connector.awaitTermination(1, TimeUnit.MINUTES)) {
                    // a connection attempt ends by its connect timeout: keep waiting for it
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            task.run();
        }, "ratewarden-close-" + instanceName);
        waiter.setDaemon(true);
        waiter.start();
    }

    /** Whether {@link #close()} was called. */
    boolean closed() {
        return closed;
    }

    private String noAnswer(long waitedNanos) {
        return described + " did not answer within " + Duration.ofNanos(waitedNanos).toMillis() + " ms";
    }

    private static Throwable failureOf(Future<?> done) {
        try {
            done.get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException | CancellationException e) {
            return null;
        }
    }

    private void probeQuietly() {
        try {
            probe();
        } catch (Throwable e) { // a scheduled task that throws is never run again
            failures.accept(e);
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
