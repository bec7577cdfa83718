package io.ratewarden.examples.boot;

import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /quotes/{user}}. */
@RestController
public class QuotesController {

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
     * Returns a quote for {@code user}, or 429 when the user is over the limit.
     *
     * @param user the user
     * @return the quote
     */
    @GetMapping("/quotes/{user}")
    public Map<String, Object> quote(@PathVariable String user) {
        return quotes.quote(user);
    }
}
