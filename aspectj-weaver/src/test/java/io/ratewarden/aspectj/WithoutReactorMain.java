package io.ratewarden.aspectj;

import io.ratewarden.RateLimitExceededException;
import io.ratewarden.RateLimited;
import io.ratewarden.Ratewarden;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * Run by {@link WithoutReactorTest} in a JVM whose class path holds no Reactor: woven methods,
 * synchronous and asynchronous, are limited as usual. Prints one line per finding; exits 0 when
 * all hold.
 */
public final class WithoutReactorMain {

    private WithoutReactorMain() {
    }

    static final class Quotes {
        @RateLimited(name = "sync", permits = 1, window = 1, unit = TimeUnit.MINUTES, key = "#p0")
        String quote(String user) {
            return "quote for " + user;
        }

        @RateLimited(name = "async", permits = 1, window = 1, unit = TimeUnit.MINUTES)
        CompletableFuture<String> later() {
            return CompletableFuture.completedFuture("later");
        }
    }

    /**
     * Runs the calls.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        try {
            Class.forName("reactor.core.publisher.Mono");
            System.out.println("REACTOR PRESENT");
            System.exit(2);
        } catch (ClassNotFoundException expected) {
            System.out.println("no Reactor on the class path");
        }
        try (Ratewarden rw = Ratewarden.builder().name("without-reactor").build()) {
            Ratewarden.install(rw);
            Quotes quotes = new Quotes();
            quotes.quote("alice");
            try {
                quotes.quote("alice");
                System.out.println("SYNC NOT LIMITED");
                System.exit(1);
            } catch (RateLimitExceededException rejected) {
                System.out.println("sync rejected: " + rejected.limitName());
            }
            quotes.later().join();
            try {
                quotes.later().join();
                System.out.println("ASYNC NOT LIMITED");
                System.exit(1);
            } catch (CompletionException rejected) {
                System.out.println("async rejected: " + ((RateLimitExceededException) rejected.getCause()).limitName());
            }
        }
    }
}
