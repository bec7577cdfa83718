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

    static Ratewarden.Builder builder(String url) {
        return Ratewarden.builder()
                .name("test-" + UUID.randomUUID())
                .redisUrl(url)
                .redisTimeout(TIMEOUT)
                .probeInterval(PROBE)
                .keyPrefix("rw-test:" + UUID.randomUUID() + ":");
    }

    /** Builds and waits until Redis decides (a cold JVM's first connection takes a moment). */
    static Ratewarden onRedis(Ratewarden.Builder builder) {
        Ratewarden rw = builder.build();
        awaitBackend(rw, Backend.REDIS, Duration.ofSeconds(20));
        return rw;
    }

    static void awaitState(Ratewarden rw, StoreState state, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(10)).until(() -> rw.storeInfo().state() == state);
    }

    static void awaitBackend(Ratewarden rw, Backend backend, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(10))
                .until(() -> rw.storeInfo().backend() == backend);
    }
}
