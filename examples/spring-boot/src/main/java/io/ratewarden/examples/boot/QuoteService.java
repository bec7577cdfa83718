package io.ratewarden.examples.boot;

import io.ratewarden.RateLimited;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Service;

/** Quotes, two per minute per user: a refusal becomes a 429 without code of ours. */
@Service
public class QuoteService {

    /**
     * Returns a quote for {@code user}.
     *
     * @param user the user the limit is kept for
     * @return the quote
     */
    @RateLimited(name = "quotes", permits = 2, window = 1, unit = TimeUnit.MINUTES, key = "#user")
    public Map<String, Object> quote(String user) {
        return Map.of("user", user, "quote", "Simple things should be simple.");
    }
}
