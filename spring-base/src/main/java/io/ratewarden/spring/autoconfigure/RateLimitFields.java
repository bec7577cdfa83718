package io.ratewarden.spring.autoconfigure;

import io.ratewarden.Decision;
import io.ratewarden.internal.call.CallRecord;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code RateLimit-Policy} and {@code RateLimit} header fields of
 * draft-ietf-httpapi-ratelimit-headers, as structured-field lists with one item per limit:
 * {@code "quotes";q=2;w=60} and {@code "quotes";r=1} (with {@code ;t=<seconds>} on a rejection, the
 * retry time rounded up). A sliding window has no single reset time while it grants, so a grant's
 * item carries no {@code t}. Names are structured-field strings; a key is never written.
 */
final class RateLimitFields {

    /** The policy field's name. */
    static final String POLICY = "RateLimit-Policy";

    /** The field with the remaining quota. */
    static final String RATE_LIMIT = "RateLimit";

    private RateLimitFields() {
    }

    /**
     * The two fields for what a request's limits decided, the last decision of each limit
     * counting; empty when no limit decided.
     *
     * @return the field values by name
     */
    static Map<String, String> of(List<CallRecord.Entry> entries) {
        Map<String, CallRecord.Entry> last = new LinkedHashMap<>();
        for (CallRecord.Entry entry : entries) {
            last.remove(entry.limitName());
            last.put(entry.limitName(), entry);
        }
        if (last.isEmpty()) {
            return Map.of();
        }
        StringBuilder policies = new StringBuilder();
        StringBuilder limits = new StringBuilder();
        for (CallRecord.Entry entry : last.values()) {
            String name = structuredString(entry.limitName());
            append(policies, policy(name, entry.limit().permits(), entry.limit().window()));
            long remaining = entry.remaining() == Decision.NOT_REPORTED ? 0 : entry.remaining();
            append(limits, name + ";r=" + remaining
                    + (entry.retryAfter().isZero() ? "" : ";t=" + seconds(entry.retryAfter())));
        }
        return Map.of(POLICY, policies.toString(), RATE_LIMIT, limits.toString());
    }

    /** One item of the policy field. */
    static String policy(String structuredName, long permits, Duration window) {
        return structuredName + ";q=" + permits + ";w=" + Math.max(1, seconds(window));
    }

    private static void append(StringBuilder list, String item) {
        if (list.length() > 0) {
            list.append(", ");
        }
        list.append(item);
    }

    /** Whole seconds, rounded up. */
    static long seconds(Duration duration) {
        long nanos = duration.toNanos();
        return (nanos + 999_999_999L) / 1_000_000_000L;
    }

    /** A name as a structured-field string (RFC 8941): printable ASCII, quotes escaped. */
    static String structuredString(String name) {
        StringBuilder out = new StringBuilder(name.length() + 2).append('"');
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c >= 0x20 && c < 0x7f) {
                out.append(c);
            } else {
                out.append('?');
            }
        }
        return out.append('"').toString();
    }
}
