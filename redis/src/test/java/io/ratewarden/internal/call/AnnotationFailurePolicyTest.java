package io.ratewarden.internal.call;

import io.ratewarden.internal.call.LimitedMethod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ratewarden.Backend;
import io.ratewarden.FailurePolicy;
import io.ratewarden.RateLimitExceededException;
import io.ratewarden.RateLimited;
import io.ratewarden.Ratewarden;
import io.ratewarden.testing.RedisServerProcess;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** An annotation's onStoreFailure decides its calls while Redis cannot. */
@Tag("fault")
class AnnotationFailurePolicyTest {

    static class Service {
        @RateLimited(permits = 1, onStoreFailure = FailurePolicy.ALLOW)
        void failOpen() {
        }

        @RateLimited(permits = 1, onStoreFailure = FailurePolicy.REJECT)
        void failClosed() {
        }

        @RateLimited(permits = 1)
        void instanceDefault() {
        }
    }

    @Test
    void eachMethodGetsItsOwnPolicyWhileRedisIsAway() throws Exception {
        String nowhere = "redis://127.0.0.1:" + RedisServerProcess.freePort();
        try (Ratewarden rw = Ratewarden.builder().redisUrl(nowhere).redisTimeout(Duration.ofMillis(50))
                .failurePolicy(FailurePolicy.FALLBACK_LOCAL).build()) {
            Ratewarden.install(rw);
            assertThat(rw.storeInfo().backend()).isEqualTo(Backend.IN_MEMORY);

            LimitedMethod failOpen = LimitedMethod.of(Service.class.getDeclaredMethod("failOpen"));
            for (int i = 0; i < 5; i++) {
                failOpen.acquire();
            }
            LimitedMethod failClosed = LimitedMethod.of(Service.class.getDeclaredMethod("failClosed"));
            assertThatThrownBy(failClosed::acquire).isInstanceOf(RateLimitExceededException.class);

            LimitedMethod byDefault = LimitedMethod.of(Service.class.getDeclaredMethod("instanceDefault"));
            byDefault.acquire();
            assertThatThrownBy(byDefault::acquire).as("the in-memory limit of 1").isInstanceOf(
                    RateLimitExceededException.class);
        }
    }
}
