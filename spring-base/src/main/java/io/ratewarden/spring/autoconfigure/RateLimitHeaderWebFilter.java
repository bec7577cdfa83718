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
 * handler subscribed to a limited {@code Mono} or {@code Flux}: the record of what the limits
 * decided travels in the subscriber's context, and the fields are written before the response is
 * committed. Fields a handler set itself are kept.
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
        return chain.filter(exchange).contextWrite(context -> context.put(CallRecord.class, record));
    }
}
