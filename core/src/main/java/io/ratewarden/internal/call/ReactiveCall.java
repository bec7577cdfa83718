package io.ratewarden.internal.call;

import io.ratewarden.LimitTier;
import io.ratewarden.Limiter;
import io.ratewarden.RateLimitExceededException;
import java.time.Duration;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.context.ContextView;

/**
 * The calls of a method returning a Reactor {@code Mono} or {@code Flux}: the returned publisher
 * takes the permits when it is subscribed, once per subscription (so {@code retry()} and
 * {@code repeat()} take permits again), runs the method's body then, and signals a rejection as an
 * error ({@link RateLimitExceededException}) or switches to the fallback's publisher. A wait
 * ({@code maxWaitMillis}) is a timer, never a blocked thread. Loaded only for such methods:
 * Reactor stays optional.
 */
final class ReactiveCall {

    private ReactiveCall() {
    }

    /** A Mono or a Flux, as the method returns, that decides at each subscription. */
    static Object of(CallSteps method, boolean flux, Object target, Object[] args, Proceed proceed) {
        Mono<Publisher<Object>> decided = Mono.deferContextual(context -> attempt(method, target, args, proceed,
                method.tiersOf(target, args), method.keysOf(target, args), System.nanoTime(), record(context)));
        if (flux) {
            return decided.flatMapMany(publisher -> publisher);
        }
        return decided.flatMap(publisher -> Mono.from(publisher));
    }

    /**
     * One attempt at the limits: the body's publisher when granted, a timer
     * and another attempt when a wait fits, else the rejection or the fallback's publisher. The
     * publisher is wrapped in a Mono, which {@link #of} unwraps as the method's type.
     */
    private static Mono<Publisher<Object>> attempt(CallSteps method, Object target, Object[] args,
                                                   Proceed proceed, LimitTier[] tiers, String[] keys,
                                                   long start, CallRecord record) {
        Object step = method.step(tiers, keys, start, record);
        try {
            if (step == null) {
                if (!method.refunds()) {
                    return Mono.just(publisher(proceed.proceed()));
                }
                Object result;
                try {
                    result = proceed.proceed();
                } catch (Throwable failure) {
                    return Mono.error(method.failed(tiers, keys, failure));
                }
                // A failure signal gives the permits back before it travels on.
                return Mono.just(Flux.from(publisher(result)).onErrorMap(failure -> method.failed(tiers, keys, failure)));
            }
            if (step instanceof CallSteps.Pause pause) {
                return Mono.delay(Duration.ofNanos(pause.nanos())).then(Mono.defer(() -> attempt(method, target, args,
                        proceed, tiers, keys, start, record)));
            }
            RateLimitExceededException rejection = step == CallSteps.UNOBSERVED_REJECTION ? null
                    : (RateLimitExceededException) step;
            if (method.hasFallback()) {
                return Mono.just(publisher(method.fallback(target, args, rejection)));
            }
            return Mono.error(rejection);
        } catch (Throwable failure) {
            return Mono.error(failure);
        }
    }

    @SuppressWarnings("unchecked")
    private static Publisher<Object> publisher(Object result) {
        return result == null ? Mono.empty() : (Publisher<Object>) result;
    }

    /** The request's record, which a web filter puts in the subscriber's context, else the thread's. */
    private static CallRecord record(ContextView context) {
        CallRecord record = context.getOrDefault(CallRecord.class, null);
        return record != null ? record : CallRecord.current();
    }
}
