package io.ratewarden.examples.consumer;

import io.ratewarden.RateLimited;
import java.util.concurrent.TimeUnit;

/** A user's service: three greetings a minute per name, woven at build time. */
public class Greetings {

    /**
     * Greets {@code name}.
     *
     * @param name who to greet
     * @return the greeting
     * @throws io.ratewarden.RateLimitExceededException after three greetings of one name in a minute
     */
    @RateLimited(name = "greetings", permits = 3, window = 1, unit = TimeUnit.MINUTES, key = "#name")
    public String greet(String name) {
        return "Hello, " + name;
    }
}
