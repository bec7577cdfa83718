package io.ratewarden.examples.boot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring Boot service limiting quotes to two per minute per user. Run it with
 * {@code java -jar target/ratewarden-example-spring-boot.jar}: in memory, or on Redis with
 * {@code --ratewarden.redis-url=redis://127.0.0.1:6379}. Then {@code GET /quotes/alice},
 * {@code /actuator/health/ratewarden} and {@code /actuator/metrics/ratewarden.calls}.
 */
@SpringBootApplication
public class QuotesApplication {

    /**
     * Starts the service.
     *
     * @param args Spring Boot's command line, for example {@code --ratewarden.redis-url=...}
     */
    public static void main(String[] args) {
        SpringApplication.run(QuotesApplication.class, args);
    }
}
