package io.ratewarden.examples.boot;

import java.util.Map;
import java.util.Set;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /quotes/{user}}. */
@RestController
public class QuotesController {

    /** The customers on the pro plan; everyone else is on the free one. A stand-in for a user store. */
    private static final Set<String> PRO = Set.of("bob");

    private final QuoteService quotes;

    /**
     * Creates the controller.
     *
     * @param quotes the service
     */
    public QuotesController(QuoteService quotes) {
        this.quotes = quotes;
    }

    /**
     * Returns a quote for {@code user}, or 429 when the user is over their plan's limit.
     *
     * @param user the user
     * @return the quote
     */
    @GetMapping("/quotes/{user}")
    public Map<String, Object> quote(@PathVariable String user) {
        return quotes.quote(new Customer(user, PRO.contains(user) ? "pro" : "free"));
    }
}
