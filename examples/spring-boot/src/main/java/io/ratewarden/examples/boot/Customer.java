package io.ratewarden.examples.boot;

/**
 * Who asks for a quote, and the plan they pay for: the plan is the tier of the quotes limit.
 *
 * @param name the customer's name, the key of the limit
 * @param plan the customer's plan, the tier of the limit: {@code free} or {@code pro}
 */
public record Customer(String name, String plan) {
}
