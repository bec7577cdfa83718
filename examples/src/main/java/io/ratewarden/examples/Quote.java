package io.ratewarden.examples;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A price quote.
 *
 * @param symbol the instrument
 * @param price its price
 * @param at when it was quoted
 */
public record Quote(String symbol, BigDecimal price, Instant at) {
}
