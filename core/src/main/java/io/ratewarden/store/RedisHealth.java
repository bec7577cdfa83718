package io.ratewarden.store;

import io.ratewarden.Backend;
import io.ratewarden.StoreInfo;
import io.ratewarden.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Redis decides, and the record of why: the failover state machine.
 *
 * <pre>
 *   (start) --first probe success--> REDIS
 *   REDIS --a call or probe fails--> IN_MEMORY        (WARN once, failovers + 1)
 *   IN_MEMORY --N consecutive probe successes--> REDIS (INFO with the outage's length, recoveries + 1)
 * </pre>
 * Reads ({@link #isHealthy()}, {@link #info(long)}) never block and do no I/O; transitions are
 * serialised. Logs one line per transition, never one per call.
 */
final class RedisHealth {

    /** What {@link #failedAt()} returns while no outage followed a time on Redis. */
    static final long NEVER_FAILED = Long.MIN_VALUE;

    private static final Logger LOG = LoggerFactory.getLogger("io.ratewarden.failover");

    private final String instanceName;
    private final String maskedUrl;
    private final int successesToRecover;
    private final Clock clock;
    private final Ticker ticker;

    private volatile long failedAt = NEVER_FAILED;
    private volatile boolean healthy;
    private volatile Instant since;
    private volatile long failovers;
    private volatile long recoveries;
    private volatile String lastError;
    private volatile Instant lastErrorAt;
    private volatile Duration latency;
    private boolean connectedOnce;
    private int consecutiveSuccesses;

    RedisHealth(String instanceName, String maskedUrl, int successesToRecover, Clock clock, Ticker ticker) {
        this.instanceName = instanceName;
        this.maskedUrl = maskedUrl;
        this.successesToRecover = successesToRecover;
        this.clock = clock;
        this.ticker = ticker;
        this.since = clock.instant();
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

    /** A call or a probe found Redis failing; {@code maskedError} holds no secret. */
    synchronized void failed(String maskedError) {
        Instant now = clock.instant();
        lastError = maskedError;
        lastErrorAt = now;
        consecutiveSuccesses = 0;
        if (healthy) {
            failedAt = ticker.read(); // before the flag, so that who sees the outage sees its start
            healthy = false;
            since = now;
            failovers++;
            LOG.warn("Ratewarden '{}': Redis {} failed, deciding in memory until it recovers: {}",
                    instanceName, maskedUrl, maskedError);
        } else {
            LOG.debug("Ratewarden '{}': Redis {} still failing: {}", instanceName, maskedUrl, maskedError);
        }
    }

    /** A probe reached Redis in {@code roundTrip}. */
    synchronized void probeSucceeded(Duration roundTrip) {
        latency = roundTrip;
        if (healthy) {
            return;
        }
        consecutiveSuccesses++;
        Instant now = clock.instant();
        if (!connectedOnce) {
            connectedOnce = true;
            healthy = true;
            since = now;
            LOG.info("Ratewarden '{}': deciding on Redis {}", instanceName, maskedUrl);
        } else if (consecutiveSuccesses >= successesToRecover) {
            Duration outage = Duration.between(since, now);
            healthy = true;
            since = now;
            recoveries++;
            LOG.info("Ratewarden '{}': Redis {} recovered after an outage of {} ms, deciding on Redis again",
                    instanceName, maskedUrl, outage.toMillis());
        }
    }

    StoreInfo info(long localKeys) {
        boolean isHealthy = healthy;
        return new StoreInfo(isHealthy ? Backend.REDIS : Backend.IN_MEMORY, isHealthy, maskedUrl, since,
                failovers, recoveries, lastError, lastErrorAt, latency, localKeys);
    }
}
