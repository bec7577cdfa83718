package io.ratewarden.examples.boot;

import io.ratewarden.RateLimited;
import java.util.Map;
import org.springframework.stereotype.Service;

/**
 * Quotes, limited per customer by their plan: the limit and its tiers live in
 * {@code application.properties} ({@code ratewarden.limits.quotes.*}), so they differ per
 * environment without a build, and an operator can override them while the service runs. A
 * rejection becomes a 429 without code of ours.
 */
@Service
public class QuoteService {

    /**
     * Returns a quote for {@code customer}.
     *
     * @param customer the customer; their name is the key, their plan the tier
     * @return the quote
     */
    @RateLimited(name = "quotes", key = "#customer.name", tier = "#customer.plan")
    public Map<String, Object> quote(Customer customer) {
        return Map.of("user", customer.name(), "plan", customer.plan(), "quote", "Simple things should be simple.");
    }
}
