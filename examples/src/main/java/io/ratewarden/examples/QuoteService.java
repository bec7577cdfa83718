package io.ratewarden.examples;

import io.ratewarden.RateLimited;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Quotes prices, at most 5 times in any 10 seconds and 1,000 times a day per user. A call refused
 * by either limit takes nothing from the other; a call for an unknown symbol gives its permits back.
 */
public class QuoteService {

    private static final Set<String> SYMBOLS = Set.of("ACME", "GLOBEX", "INITECH", "UMBRELLA");

    /**
     * Returns a quote for {@code user}.
     *
     * @param user who asks; each user has limits of their own
     * @param symbol the instrument: ACME, GLOBEX, INITECH or UMBRELLA
     * @return the quote
     * @throws io.ratewarden.RateLimitExceededException when {@code user} asked too often
     * @throws UnknownSymbolException for another symbol; the call then costs {@code user} nothing
     */
    @RateLimited(name = "quotes", permits = 5, window = 10, unit = TimeUnit.SECONDS, key = "#user",
            refundOn = UnknownSymbolException.class)
    @RateLimited(name = "quotes-daily", permits = 1_000, window = 1, unit = TimeUnit.DAYS, key = "#user",
            refundOn = UnknownSymbolException.class)
    public Quote quote(String user, String symbol) {
        if (!SYMBOLS.contains(symbol)) {
            throw new UnknownSymbolException(symbol);
        }
        BigDecimal price = BigDecimal.valueOf(100 + ThreadLocalRandom.current().nextDouble(10))
                .setScale(2, RoundingMode.HALF_UP);
        return new Quote(symbol, price, Instant.now());
    }
}
