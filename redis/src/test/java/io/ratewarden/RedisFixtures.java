package io.ratewarden;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.UUID;

/** Builds instances on a test Redis and waits for them to decide on it. */
final class RedisFixtures {

    static final Duration TIMEOUT = Duration.ofMillis(100);
    static final Duration PROBE = Duration.ofMillis(250);

    private RedisFixtures() {
    }

    static RatewardenBuilder builder(String url) {
        return Ratewarden.builder()
                .name("test-" + UUID.randomUUID())
                .redisUrl(url)
                .redisTimeout(TIMEOUT)
                .probeInterval(PROBE)
                .keyPrefix("rw-test:" + UUID.randomUUID() + ":");
    }

    /**
     * How long a test waits for a state the product reaches by itself (a failover, a recovery, a
     * first connection): an outcome, not a latency, so long enough for a starved machine. How
     * long it took is printed, and bounded only against a measured scheduling delay.
     */
    static final Duration STATE_REACHED = Duration.ofSeconds(30);

    /** Builds and waits until Redis decides (a cold JVM's first connection takes a moment). */
    static Ratewarden onRedis(RatewardenBuilder builder) {
        Ratewarden rw = builder.build();
        awaitBackend(rw, Backend.REDIS);
        return rw;
    }

    /** Waits until the instance reports {@code state}; returns how long that took. */
    static Duration awaitState(Ratewarden rw, StoreState state) {
        long start = System.nanoTime();
        await().atMost(STATE_REACHED).pollInterval(Duration.ofMillis(10)).until(() -> rw.storeInfo().state() == state);
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** Waits until {@code backend} decides; returns how long that took. */
    static Duration awaitBackend(Ratewarden rw, Backend backend) {
        long start = System.nanoTime();
        await().atMost(STATE_REACHED).pollInterval(Duration.ofMillis(10))
                .until(() -> rw.storeInfo().backend() == backend);
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
