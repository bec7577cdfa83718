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

    /** The problem type of a rejected call. */
    public static final URI PROBLEM_TYPE = URI.create("https://ratewarden.io/problems/rate-limited");

    /**
     * The problem type of a call rejected because Redis could not decide it (answered 503, not 429).
     */
    public static final URI STORE_FAILURE_TYPE = URI.create("https://ratewarden.io/problems/store-unavailable");

    /**
     * The problem's {@code instance}: fixed, because Spring would otherwise fill in the request
     * path, which often holds the key ({@code /quotes/alice}).
     */
    public static final URI PROBLEM_INSTANCE = URI.create("urn:ratewarden:rejected");

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
     * Builds the 429 for a rejected call.
     *
     * @param rejection the rejection
     * @return the response: status 429, {@code Retry-After}, a problem body
     */
    @ExceptionHandler(RateLimitExceededException.class)
    public ResponseEntity<ProblemDetail> rateLimited(RateLimitExceededException rejection) {
        long retryAfterSeconds = retryAfterSeconds(rejection);
        if (rejection.storeFailure()) {
            return storeFailure(rejection, retryAfterSeconds);
        }
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS,
                "Rate limit '" + rejection.limitName() + "' exceeded: " + rejection.permits() + " per "
                        + rejection.window().toSeconds() + " s; retry after " + retryAfterSeconds + " s");
        problem.setType(PROBLEM_TYPE);
        problem.setInstance(PROBLEM_INSTANCE);
        problem.setTitle("Too Many Requests");
        problem.setProperty("limit", rejection.limitName());
        problem.setProperty("permits", rejection.permits());
        problem.setProperty("windowSeconds", rejection.window().toSeconds());
        problem.setProperty("retryAfterSeconds", retryAfterSeconds);
        ResponseEntity.BodyBuilder response = ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
                .header(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds));
        if (rateLimitHeaders) {
            String policy = RateLimitFields.structuredString(rejection.limitName());
            response.header(RateLimitFields.POLICY, RateLimitFields.policy(policy, rejection.permits(), rejection.window()));
            response.header(RateLimitFields.RATE_LIMIT, policy + ";r=0;t=" + retryAfterSeconds);
        }
        return response.body(problem);
    }

    /**
     * A call rejected because Redis could not decide it (the {@code REJECT} failure policy): the
     * limit was not reached, so not a 429 but a 503, with {@code Retry-After}.
     */
    private static ResponseEntity<ProblemDetail> storeFailure(RateLimitExceededException rejection,
                                                              long retryAfterSeconds) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                "Rate limit '" + rejection.limitName() + "' could not be checked: Redis did not answer in time or is"
                        + " unavailable; retry after " + retryAfterSeconds + " s");
        problem.setType(STORE_FAILURE_TYPE);
        problem.setInstance(PROBLEM_INSTANCE);
        problem.setTitle("Service Unavailable");
        problem.setProperty("limit", rejection.limitName());
        problem.setProperty("retryAfterSeconds", retryAfterSeconds);
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds)).body(problem);
    }

    /**
     * Returns the rejection's retry time in whole seconds, rounded up and at least 1.
     *
     * @param rejection the rejection
     * @return the seconds for {@code Retry-After}
     */
    public static long retryAfterSeconds(RateLimitExceededException rejection) {
        return Math.max(1, RateLimitFields.seconds(rejection.retryAfter()));
    }
}
