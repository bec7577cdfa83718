package io.ratewarden.spring.autoconfigure;

import io.ratewarden.internal.call.CallRecord;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Adds the {@code RateLimit-Policy} and {@code RateLimit} fields to every WebFlux response whose
 * handler subscribed to a limited {@code Mono} or {@code Flux}, or called a limited method that
 * returns a plain value: the record of what the limits decided travels in the subscriber's
 * context, and is the subscribing thread's while the handler chain is subscribed (when a handler
 * without a request body runs). The fields are written before the response is committed. Fields a
 * handler set itself are kept. A plain-value call a handler makes after its request body arrived
 * runs on the thread that read it, later, and is not recorded.
 */
public class RateLimitHeaderWebFilter implements WebFilter {

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        CallRecord record = CallRecord.detached();
        exchange.getResponse().beforeCommit(() -> Mono.fromRunnable(() -> {
            HttpHeaders headers = exchange.getResponse().getHeaders();
            for (Map.Entry<String, String> field : RateLimitFields.of(record.entries()).entrySet()) {
                if (headers.getFirst(field.getKey()) == null) {
                    headers.set(field.getKey(), field.getValue());
                }
            }
        }));
        Mono<Void> handled = chain.filter(exchange).contextWrite(context -> context.put(CallRecord.class, record));
        // A handler returning a plain value calls its limited methods while the chain is subscribed,
        // on the subscribing thread: the record is that thread's meanwhile, and only then.
        return Mono.fromDirect(subscriber -> {
            CallRecord before = CallRecord.attach(record);
            try {
                handled.subscribe(subscriber);
            } finally {
                CallRecord.attach(before);
            }
        });
    }
}
