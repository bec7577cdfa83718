package io.ratewarden.spring.autoconfigure;

import io.ratewarden.RateLimitExceededException;
import java.net.URI;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Answers a {@link RateLimitExceededException} that reaches Spring MVC or WebFlux with
 * {@code 429 Too Many Requests}: a {@code Retry-After} in whole seconds (rounded up, at least 1)
 * and an RFC 9457 problem body naming the limit. The body never carries the key, which can be
 * personal data, nor the request path, which often holds it. Ordered last among controller advice, so that an application's own handler of
 * the exception (or of a supertype) answers instead; defining a bean of this type replaces it.
 */
@RestControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
public class RateLimitExceededHandler {

    /** The problem type of a refused call. */
    public static final URI PROBLEM_TYPE = URI.create("https://ratewarden.io/problems/rate-limited");

    /**
     * The problem's {@code instance}: fixed, because Spring would otherwise fill in the request
     * path, which often holds the key ({@code /quotes/alice}).
     */
    public static final URI PROBLEM_INSTANCE = URI.create("urn:ratewarden:refused");

    private final boolean rateLimitHeaders;

    /**
     * Creates the handler.
     *
     * @param rateLimitHeaders whether to add the {@code RateLimit-Policy} and {@code RateLimit}
     *     fields of draft-ietf-httpapi-ratelimit-headers
     */
    public RateLimitExceededHandler(boolean rateLimitHeaders) {
        this.rateLimitHeaders = rateLimitHeaders;
    }

    /**
     * Builds the 429 for a refused call.
     *
     * @param refusal the refusal
     * @return the response: status 429, {@code Retry-After}, a problem body
     */
    @ExceptionHandler(RateLimitExceededException.class)
    public ResponseEntity<ProblemDetail> rateLimited(RateLimitExceededException refusal) {
        long retryAfterSeconds = retryAfterSeconds(refusal);
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS,
                "Rate limit '" + refusal.limitName() + "' exceeded: " + refusal.permits() + " per "
                        + refusal.window().toSeconds() + " s; retry after " + retryAfterSeconds + " s");
        problem.setType(PROBLEM_TYPE);
        problem.setInstance(PROBLEM_INSTANCE);
        problem.setTitle("Too Many Requests");
        problem.setProperty("limit", refusal.limitName());
        problem.setProperty("permits", refusal.permits());
        problem.setProperty("windowSeconds", refusal.window().toSeconds());
        problem.setProperty("retryAfterSeconds", retryAfterSeconds);
        ResponseEntity.BodyBuilder response = ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
                .header(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds));
        if (rateLimitHeaders) {
            String policy = RateLimitFields.structuredString(refusal.limitName());
            response.header(RateLimitFields.POLICY, RateLimitFields.policy(policy, refusal.permits(), refusal.window()));
            response.header(RateLimitFields.RATE_LIMIT, policy + ";r=0;t=" + retryAfterSeconds);
        }
        return response.body(problem);
    }

    /**
     * Returns the refusal's retry time in whole seconds, rounded up and at least 1.
     *
     * @param refusal the refusal
     * @return the seconds for {@code Retry-After}
     */
    public static long retryAfterSeconds(RateLimitExceededException refusal) {
        return Math.max(1, RateLimitFields.seconds(refusal.retryAfter()));
    }
}
