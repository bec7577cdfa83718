package io.ratewarden.internal.failover;

import io.ratewarden.Backend;
import io.ratewarden.StoreInfo;
import io.ratewarden.StoreState;
import io.ratewarden.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Redis decides, and the record of why: the failover state machine.
 *
 * <pre>
 *   (start: CONNECTING) --first probe success--> REDIS
 *   CONNECTING --an error reply or a refused connection--> IN_MEMORY (FAILED; WARN)
 *   REDIS --an error reply or a broken connection--> IN_MEMORY       (WARN once, failovers + 1)
 *   REDIS --no success for failAfter since the first timed-out call of a run started--> IN_MEMORY
 *   IN_MEMORY --probesToRecover consecutive probe successes--> REDIS (INFO with the outage's length)
 * </pre>
 *
 * <h2>Why a slow reply is not an outage</h2>
 * A call that gets no answer within the Redis timeout is decided by the failure policy at once,
 * but a timeout alone proves little: a GC pause, a throttled CPU or one lost packet delays a reply
 * that Redis sends all the same. So timeouts turn the store unhealthy only when they persist: the
 * first timeout opens a run (dated from the start of the call that timed out), any success (a
 * call, a probe, or an answer that arrives after its caller stopped waiting) closes it, and a
 * timeout observed {@code failAfter} or more after the run began fails the store over. With the
 * default {@code failAfter} of three timeouts, a hung Redis is left within about three to four
 * timeouts; a stall shorter than three timeouts never fails the store over. A timeout whose
 * thread woke well after its deadline is no evidence at all (the caller's JVM was short of CPU)
 * and is not reported here. An error reply (out of memory,
 * read-only, wrong password, missing permission) or a refused or broken connection is evidence
 * in itself and fails over at once.
 *
 * <h2>Hysteresis</h2>
 * Recovery takes {@code successesToRecover} consecutive probe successes after a first outage. A
 * failover within {@link #FLAP_WINDOW} of the last recovery doubles that number (up to 16 times
 * the base), and a failover after a calm {@link #FLAP_WINDOW} resets it: a Redis that keeps
 * failing is given back its calls more and more slowly.
 *
 * <h2>One line per cause</h2>
 * Logs one line per transition and one WARN per new cause of failure while Redis does not decide,
 * never one per call. A cause is its kind, not its text: the same failure with another figure in
 * it ("did not answer within N ms" with another N, another port or slot) is not new.
 *
 * <p>Reads ({@link #isHealthy()}, {@link #info(long)}, {@link #failedAt()},
 * {@link #recoveredAt()}) never block and do no I/O; transitions are serialised.
 */
final class RedisHealth {

    /** What {@link #failedAt()} and {@link #recoveredAt()} return while there was no such event. */
    static final long NEVER_FAILED = Long.MIN_VALUE;

    /** A failover this soon after a recovery counts as flapping. */
    static final Duration FLAP_WINDOW = Duration.ofMinutes(1);

    private static final int MAX_BACK_OFF_SHIFT = 4;
    private static final int MAX_CAUSES_WARNED = 8;
    private static final long NO_RUN = Long.MIN_VALUE;

    private static final Logger LOG = LoggerFactory.getLogger("io.ratewarden.failover");

    private final String instanceName;
    private final String maskedUrl;
    private final String described;
    private final int successesToRecover;
    private final long failAfterNanos;
    private final Clock clock;
    private final Ticker ticker;

    private volatile long failedAt = NEVER_FAILED;
    private volatile long recoveredAt = NEVER_FAILED;
    private volatile long timeoutRunStart = NO_RUN;
    private volatile boolean healthy;
    private volatile Instant since;
    private volatile long failovers;
    private volatile long recoveries;
    private volatile String lastError;
    private volatile Instant lastErrorAt;
    private volatile Duration latency;
    private volatile int probesToRecover;
    private volatile boolean connectedOnce;
    private volatile boolean failedOnce;
    private int consecutiveSuccesses;
    private int flaps;
    private final Set<String> causesWarned = new LinkedHashSet<>(); // kinds, in this outage or since start

    /**
     * Creates the state machine, unhealthy until the first probe success.
     *
     * @param successesToRecover consecutive probe successes that end a first outage
     * @param failAfter how long timeouts must persist, with no success, to fail over
     * @param ticker the time of {@link #failedAt()}, {@link #recoveredAt()} and timeout runs
     */
    RedisHealth(String instanceName, String maskedUrl, int successesToRecover, Duration failAfter, Clock clock,
                Ticker ticker) {
        this(instanceName, "Redis " + maskedUrl, maskedUrl, successesToRecover, failAfter, clock, ticker);
    }

    /**
     * A backend named {@code described} in logs ({@code "Redis redis://..."}, {@code "store
     * com.example.QuotaStore"}), reporting {@code maskedUrl} ({@code null} for a store without one).
     */
    RedisHealth(String instanceName, String described, String maskedUrl, int successesToRecover, Duration failAfter,
                Clock clock, Ticker ticker) {
        this.instanceName = instanceName;
        this.described = described;
        this.maskedUrl = maskedUrl;
        this.successesToRecover = successesToRecover;
        this.failAfterNanos = failAfter.toNanos();
        this.clock = clock;
        this.ticker = ticker;
        this.since = clock.instant();
        this.probesToRecover = successesToRecover;
    }

    boolean isHealthy() {
        return healthy;
    }

    /**
     * The ticker reading when Redis last failed after deciding, or {@link #NEVER_FAILED}. A caller
     * that saw {@link #isHealthy()} return {@code false} sees the reading of that outage or a later
     * one.
     */
    long failedAt() {
        return failedAt;
    }

    /**
     * The ticker reading when Redis last took over again after an outage, or
     * {@link #NEVER_FAILED}. A caller that saw {@link #isHealthy()} return {@code true} sees the
     * reading of that recovery or a later one.
     */
    long recoveredAt() {
        return recoveredAt;
    }

    /** The consecutive probe successes the next recovery takes. */
    int probesToRecover() {
        return probesToRecover;
    }

    /** Whether Redis decided at least once since the store was built. */
    boolean connectedOnce() {
        return connectedOnce;
    }

    /**
     * A call on Redis succeeded: closes a run of timeouts. One volatile read when none is open, so
     * that the call path stays cheap.
     */
    void callSucceeded() {
        if (timeoutRunStart != NO_RUN) {
            synchronized (this) {
                timeoutRunStart = NO_RUN;
            }
        }
    }

    /**
     * A call or a probe found Redis failing with evidence (an error reply, a refused or broken
     * connection), which counts at once; {@code maskedError} holds no secret.
     */
    synchronized void failed(String maskedError) {
        record(maskedError, false, 0);
    }

    /**
     * A call or a probe got no answer after waiting {@code waitedNanos}, which counts only when it
     * persists: a run of timeouts starts when the first such call started.
     */
    synchronized void timedOut(String maskedError, long waitedNanos) {
        record(maskedError, true, waitedNanos);
    }

    private void record(String maskedError, boolean timedOut, long waitedNanos) {
        consecutiveSuccesses = 0;
        if (healthy && timedOut) {
            long now = ticker.read();
            if (timeoutRunStart == NO_RUN) {
                timeoutRunStart = now - waitedNanos;
                LOG.debug("Ratewarden '{}': {} was slow, still deciding on it: {}", instanceName, described,
                        maskedError);
                return;
            }
            if (now - timeoutRunStart < failAfterNanos) {
                return;
            }
        }
        Instant now = clock.instant();
        lastError = maskedError;
        lastErrorAt = now;
        if (!failedOnce) {
            failedOnce = true;
            notifyAll(); // a build() waiting for the first verdict has it
        }
        if (healthy) {
            failOver(maskedError, now);
        } else if (causesWarned.size() < MAX_CAUSES_WARNED && causesWarned.add(kindOf(maskedError))) {
            LOG.warn("Ratewarden '{}': {} is not usable, deciding in memory until it is: {}", instanceName,
                    described, maskedError);
        } else {
            LOG.debug("Ratewarden '{}': {} still failing: {}", instanceName, described, maskedError);
        }
    }

    private void failOver(String maskedError, Instant now) {
        long read = ticker.read();
        failedAt = read; // before the flag, so that who sees the outage sees its start
        timeoutRunStart = NO_RUN;
        healthy = false;
        boolean flapping = recoveredAt != NEVER_FAILED && read - recoveredAt < FLAP_WINDOW.toNanos();
        flaps = flapping ? Math.min(flaps + 1, MAX_BACK_OFF_SHIFT) : 0;
        probesToRecover = successesToRecover << flaps;
        since = now;
        failovers++;
        causesWarned.clear();
        causesWarned.add(kindOf(maskedError));
        LOG.warn("Ratewarden '{}': {} failed, deciding in memory until it recovers ({} consecutive"
                + " successful probes): {}", instanceName, described, probesToRecover, maskedError);
    }

    /** A probe reached Redis in {@code roundTrip}. */
    synchronized void probeSucceeded(Duration roundTrip) {
        latency = roundTrip;
        timeoutRunStart = NO_RUN;
        if (healthy) {
            return;
        }
        consecutiveSuccesses++;
        Instant now = clock.instant();
        if (!connectedOnce) {
            connectedOnce = true;
            healthy = true;
            since = now;
            causesWarned.clear();
            notifyAll(); // a build() waiting for the first verdict has it
            LOG.info("Ratewarden '{}': deciding on {}", instanceName, described);
        } else if (consecutiveSuccesses >= probesToRecover) {
            Duration outage = Duration.between(since, now);
            recoveredAt = ticker.read(); // before the flag, as failedAt
            healthy = true;
            since = now;
            recoveries++;
            causesWarned.clear();
            LOG.info("Ratewarden '{}': {} recovered after an outage of {} ms, deciding on it again",
                    instanceName, described, outage.toMillis());
        }
    }

    /**
     * Waits until Redis decided once or a failure with evidence came, at most {@code bound}:
     * what {@code build()} waits for. A missing answer during the first connection is no verdict.
     *
     * @return whether a verdict came in time
     */
    synchronized boolean awaitVerdict(Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        long left;
        while (!connectedOnce && !failedOnce && (left = deadline - System.nanoTime()) > 0) {
            wait(Math.max(1, left / 1_000_000));
        }
        return connectedOnce || failedOnce;
    }

    /**
     * The kind of a masked failure: every way of getting no answer in time (a call's or a probe's
     * timeout, a connection attempt's) is one kind; any other failure is its text with every run
     * of digits as {@code #}, so that the same cause with other figures (a duration, a port, a
     * slot) is one cause.
     */
    static String kindOf(String maskedError) {
        if (maskedError == null) {
            return "";
        }
        String lower = maskedError.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("timeout") || lower.contains("did not answer")) {
            return "no answer in time";
        }
        return maskedError.replaceAll("[0-9]+", "#");
    }

    StoreInfo info(long localKeys) {
        boolean isHealthy = healthy;
        StoreState state = isHealthy ? StoreState.HEALTHY
                : connectedOnce || failedOnce ? StoreState.FAILED : StoreState.CONNECTING;
        return new StoreInfo(isHealthy ? Backend.REDIS : Backend.IN_MEMORY, isHealthy, maskedUrl, since,
                failovers, recoveries, lastError, lastErrorAt, latency, localKeys, state);
    }

    /** The backend as logs name it: {@code "Redis <url>"}, or a plugged store's class. */
    String described() {
        return described;
    }
}
