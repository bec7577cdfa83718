package io.ratewarden.aspectj;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.MINUTES;
import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.RateLimitExceededException;
import io.ratewarden.RateLimited;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Woven methods returning Reactor's {@code Mono} and {@code Flux}: permits are taken when the
 * result is subscribed, once per subscription, and a rejection is an error signal.
 */
@Tag("unit")
class ReactiveMethodTest {

    @RegisterExtension
    final Installed installed = new Installed();

    static class Quotes {
        final AtomicInteger bodies = new AtomicInteger();
        final AtomicInteger subscriptions = new AtomicInteger();

        @RateLimited(name = "mono", permits = 2, window = 1, unit = MINUTES)
        Mono<String> quote() {
            bodies.incrementAndGet();
            return Mono.fromSupplier(() -> "quote " + subscriptions.incrementAndGet());
        }

        @RateLimited(name = "flux", permits = 3, window = 1, unit = MINUTES, key = "#p0")
        Flux<Integer> prices(String user) {
            return Flux.just(1, 2, 3);
        }

        @RateLimited(name = "mono-fallback", permits = 1, window = 1, unit = MINUTES, fallbackMethod = "cached")
        Mono<String> withFallback() {
            return Mono.just("fresh");
        }

        Mono<String> cached() {
            return Mono.just("cached");
        }

        @RateLimited(name = "mono-wait", permits = 1, window = 300, unit = MILLISECONDS, maxWaitMillis = 5_000)
        Mono<String> waits() {
            return Mono.fromSupplier(() -> Thread.currentThread().getName());
        }
    }

    private final Quotes quotes = new Quotes();

    @Test
    void aMonoTakesItsPermitWhenSubscribedOncePerSubscriptionAndRejectsWithAnErrorSignal() {
        Mono<String> first = quotes.quote();
        Mono<String> second = quotes.quote();
        Mono<String> third = quotes.quote();
        assertThat(installed.ratewarden.limits()).as("assembled, not subscribed: no limit asked yet").isEmpty();
        assertThat(quotes.bodies).as("no body runs before a subscription").hasValue(0);

        assertThat(first.block(Duration.ofSeconds(5))).isEqualTo("quote 1");
        assertThat(first.block(Duration.ofSeconds(5))).as("a second subscription takes a permit too")
                .isEqualTo("quote 2");
        String rejected = third.onErrorResume(RateLimitExceededException.class, e -> Mono.just("rejected: "
                + e.limitName())).block(Duration.ofSeconds(5));
        assertThat(rejected).as("a rejection is an error signal, which onErrorResume sees").isEqualTo("rejected: mono");
        assertThat(second.retry(3).onErrorResume(e -> Mono.just("still rejected")).block(Duration.ofSeconds(5)))
                .as("retry() subscribes again, and is rejected again").isEqualTo("still rejected");
        assertThat(installed.ratewarden.limit("mono").permitted()).isEqualTo(2);
        assertThat(quotes.bodies).hasValue(2);
    }

    @Test
    void aFluxTakesItsPermitsAtSubscriptionAndRepeatTakesMore() {
        List<Integer> prices = quotes.prices("alice").repeat(1).collectList().block(Duration.ofSeconds(5));
        assertThat(prices).containsExactly(1, 2, 3, 1, 2, 3);
        assertThat(installed.ratewarden.limit("flux").permitted()).isEqualTo(2);
        assertThat(quotes.prices("alice").collectList().block(Duration.ofSeconds(5))).containsExactly(1, 2, 3);
        assertThat(quotes.prices("alice").materialize().blockFirst(Duration.ofSeconds(5)).getThrowable())
                .isInstanceOf(RateLimitExceededException.class);
        assertThat(quotes.prices("bob").count().block(Duration.ofSeconds(5))).as("another key").isEqualTo(3);
    }

    @Test
    void aRejectedMonoSwitchesToItsFallbacksMono() {
        assertThat(quotes.withFallback().block(Duration.ofSeconds(5))).isEqualTo("fresh");
        assertThat(quotes.withFallback().block(Duration.ofSeconds(5))).isEqualTo("cached");
    }

    @Test
    void aWaitIsATimerThatBlocksNoThread() throws InterruptedException {
        assertThat(quotes.waits().block(Duration.ofSeconds(5))).isNotNull();
        AtomicReference<String> ranOn = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        quotes.waits().subscribe(thread -> {
            ranOn.set(thread);
            done.countDown();
        });
        assertThat(ranOn.get()).as("subscribe() returned before the permit came: the caller was not held").isNull();
        installed.ticker.advance(Duration.ofMillis(300)); // the limiter's time: the first grant leaves
        assertThat(done.await(10, TimeUnit.SECONDS)).as("granted once the window let it").isTrue();
        assertThat(ranOn.get()).as("the body ran on Reactor's timer thread, not the subscriber's")
                .startsWith("parallel-");
        assertThat(installed.ratewarden.limit("mono-wait").permitted()).isEqualTo(2);
    }
}
