package io.ratewarden.internal.store;

import java.time.Duration;

/**
 * Where the instances sharing a backend say that they are alive: what
 * {@link FailoverRateLimitStore}'s probe asks. Implementations are thread-safe.
 */
interface Heartbeats {

    /**
     * Records that {@code instanceId} is alive and counts the instances whose last heartbeat is
     * younger than {@code ttl}. Blocks at most for the backend's timeout.
     *
     * @param instanceId this instance's unique id
     * @param ttl how long a heartbeat counts
     * @return the round trip and the instances alive, this one included
     * @throws io.ratewarden.store.StoreUnavailableException when the backend does not take the
     *     heartbeat in time; a {@link StoreTimeoutException} when it did not answer at all
     */
    Heartbeat beat(String instanceId, Duration ttl);

    /**
     * The outcome of a heartbeat.
     *
     * @param roundTrip how long the round trip took
     * @param liveInstances the instances whose heartbeat is fresh, this one included
     */
    record Heartbeat(Duration roundTrip, int liveInstances) {
    }
}
