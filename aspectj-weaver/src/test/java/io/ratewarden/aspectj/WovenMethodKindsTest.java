package io.ratewarden.aspectj;

import static java.util.concurrent.TimeUnit.HOURS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ratewarden.RateLimitExceededException;
import io.ratewarden.RateLimited;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The limit holds on every kind of method execution the aspect weaves. */
@Tag("unit")
class WovenMethodKindsTest {

    @RegisterExtension
    final Installed installed = new Installed();

    static final AtomicInteger STATIC_RUNS = new AtomicInteger();

    static class Service {
        final AtomicInteger runs = new AtomicInteger();

        @RateLimited(permits = 2, window = 1, unit = HOURS)
        public int publicMethod() {
            return runs.incrementAndGet();
        }

        @RateLimited(permits = 2, window = 1, unit = HOURS)
        private int privateMethod() {
            return runs.incrementAndGet();
        }

        int callPrivate() {
            return privateMethod();
        }

        @RateLimited(permits = 2, window = 1, unit = HOURS)
        static int staticMethod() {
            return STATIC_RUNS.incrementAndGet();
        }

        @RateLimited(permits = 2, window = 1, unit = HOURS)
        public int target() {
            return runs.incrementAndGet();
        }

        int callSelf() {
            return this.target();
        }
    }

    @Test
    void publicMethod() {
        Service service = new Service();
        assertLimitedToTwo(service::publicMethod, service.runs,
                "io.ratewarden.aspectj.WovenMethodKindsTest$Service#publicMethod()");
    }

    @Test
    void privateMethod() {
        Service service = new Service();
        assertLimitedToTwo(service::callPrivate, service.runs,
                "io.ratewarden.aspectj.WovenMethodKindsTest$Service#privateMethod()");
    }

    @Test
    void staticMethod() {
        STATIC_RUNS.set(0);
        assertLimitedToTwo(Service::staticMethod, STATIC_RUNS,
                "io.ratewarden.aspectj.WovenMethodKindsTest$Service#staticMethod()");
    }

    @Test
    void selfInvocation() {
        Service service = new Service();
        assertLimitedToTwo(service::callSelf, service.runs,
                "io.ratewarden.aspectj.WovenMethodKindsTest$Service#target()");
    }

    @Test
    void permitsReturnWhenTheWindowHasPassed() {
        Service service = new Service();
        service.publicMethod();
        service.publicMethod();
        assertThatThrownBy(service::publicMethod).isInstanceOf(RateLimitExceededException.class);

        installed.ticker.advance(Duration.ofMinutes(59));
        assertThatThrownBy(service::publicMethod).isInstanceOf(RateLimitExceededException.class);
        installed.ticker.advance(Duration.ofMinutes(5));
        assertThat(service.publicMethod()).isEqualTo(3);
    }

    @Test
    void instancesOfAClassShareTheMethodsLimit() {
        new Service().publicMethod();
        new Service().publicMethod();
        assertThatThrownBy(new Service()::publicMethod).isInstanceOf(RateLimitExceededException.class);
    }

    private static void assertLimitedToTwo(IntSupplier call, AtomicInteger runs, String limitName) {
        assertThat(call.getAsInt()).isEqualTo(1);
        assertThat(call.getAsInt()).isEqualTo(2);
        assertThatThrownBy(call::getAsInt)
                .isInstanceOfSatisfying(RateLimitExceededException.class, e -> {
                    assertThat(e.limitName()).isEqualTo(limitName);
                    assertThat(e.key()).isEmpty();
                    assertThat(e.permits()).isEqualTo(2);
                    assertThat(e.window()).isEqualTo(Duration.ofHours(1));
                    assertThat(e.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(64));
                });
        assertThat(runs).as("the rejected call's body did not run").hasValue(2);
    }
}
