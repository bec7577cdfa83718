package io.ratewarden.aspectj;

import static java.util.concurrent.TimeUnit.HOURS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.ratewarden.RateLimitExceededException;
import io.ratewarden.RateLimited;
import io.ratewarden.Ratewarden;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Keys are untrusted input: any text works, stays isolated, and memory stays bounded. */
@Tag("unit")
class HostileKeyTest {

    @RegisterExtension
    final Installed installed = new Installed();

    static class Endpoint {
        @RateLimited(permits = 1, window = 1, unit = HOURS, key = "#key")
        void call(String key) {
        }
    }

    private final Endpoint endpoint = new Endpoint();

    @Test
    void hostileKeysWorkAndStayIsolated() {
        String huge = "x".repeat(100_000);
        String hugeToo = "x".repeat(99_999) + "y";
        List<String> keys = List.of("", "{", "}", "{user}", "a}{b", "user", "user\u0000", "\n\t\r\u001b[31m",
                "ключ", "🔑", "用户", "null", "a:b", "%7B", huge, hugeToo);
        for (String key : keys) {
            endpoint.call(key);
        }
        for (String key : keys) {
            assertThatThrownBy(() -> endpoint.call(key))
                    .as("second call for key of length %d", key.length())
                    .isInstanceOfSatisfying(RateLimitExceededException.class,
                            e -> assertThat(e.key().length()).isLessThanOrEqualTo(128));
        }
    }

    @Test
    void longKeysAreReplacedByAStableHash() {
        String huge = "k".repeat(100_000);
        endpoint.call(huge);
        String first = rejectedKey(huge);
        String second = rejectedKey("k".repeat(100_000));
        assertThat(first).startsWith("sha256:").hasSize(71).isEqualTo(second);
        assertThat(rejectedKey("k".repeat(128 + 0))).isNotEqualTo(first);
    }

    @Test
    void aMillionDistinctKeysStayWithinLocalMaxKeys() {
        Ratewarden bounded = Ratewarden.builder().name("bounded").localMaxKeys(10_000).build();
        Ratewarden.install(bounded);
        try {
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            System.gc();
            long before = memory.getHeapMemoryUsage().getUsed();
            for (int i = 0; i < 1_000_000; i++) {
                endpoint.call("user-" + i);
            }
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(bounded.storeInfo().localKeys()).isLessThanOrEqualTo(10_000));
            System.gc();
            long grown = memory.getHeapMemoryUsage().getUsed() - before;
            assertThat(grown).as("heap growth after 1,000,000 keys, bytes").isLessThan(64L << 20);
        } finally {
            bounded.close();
        }
    }

    private String rejectedKey(String key) {
        try {
            endpoint.call(key);
        } catch (RateLimitExceededException e) {
            return e.key();
        }
        try {
            endpoint.call(key);
        } catch (RateLimitExceededException e) {
            return e.key();
        }
        throw new AssertionError("not rejected");
    }
}
