package io.ratewarden.examples;

import io.ratewarden.RateLimited;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** Quotes prices, at most 5 times in any 10 seconds per user. */
public class QuoteService {

    /**
     * Returns a quote for {@code user}.
     *
     * @param user who asks; each user has a limit of their own
     * @param symbol the instrument
     * @return the quote
     * @throws io.ratewarden.RateLimitExceededException when {@code user} asked too often
     */
    @RateLimited(name = "quotes", permits = 5, window = 10, unit = TimeUnit.SECONDS, key = "#user")
    public Quote quote(String user, String symbol) {
        BigDecimal price = BigDecimal.valueOf(100 + ThreadLocalRandom.current().nextDouble(10))
                .setScale(2, RoundingMode.HALF_UP);
        return new Quote(symbol, price, Instant.now());
    }
}
