package io.ratewarden.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.ratewarden.RateLimitExceededException;
import io.ratewarden.Ratewarden;
import io.ratewarden.StoreInfo;
import io.ratewarden.StoreState;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A small HTTP service on the JDK's {@code HttpServer}:
 * <ul>
 *   <li>{@code GET /quote?user=alice&symbol=ACME} — limited to 5 quotes per 10 s and 1,000 a day per
 *       user; answers 429 with {@code Retry-After} (whole seconds) when exceeded, and 404 for an
 *       unknown symbol, which costs the user no quota;</li>
 *   <li>{@code GET /health/ratelimit} — the {@link StoreInfo} as JSON: 200 while Redis decides, and
 *       also while the first connection to it is still being made; 503 once it has failed and
 *       memory decides instead.</li>
 * </ul>
 * Listens on {@code PORT} (default 8080). Ratewarden is configured from the environment: in memory
 * unless a Redis URL is configured.
 */
public final class ExampleServer implements AutoCloseable {

    private final HttpServer server;
    private final Ratewarden ratewarden;
    private final QuoteService quotes = new QuoteService();

    /**
     * Starts the service.
     *
     * @param port the port to listen on, 0 for any free port
     * @param ratewarden the instance the service's limits use; installed by this constructor
     * @throws IOException if the port cannot be bound
     */
    public ExampleServer(int port, Ratewarden ratewarden) throws IOException {
        this.ratewarden = ratewarden;
        Ratewarden.install(ratewarden);
        server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/quote", this::quote);
        server.createContext("/health/ratelimit", this::health);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    /**
     * Runs the service until the JVM stops.
     *
     * @param args ignored
     * @throws IOException if the port cannot be bound
     */
    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        if (System.getProperty("ratewarden.name") == null && System.getenv("RATEWARDEN_NAME") == null) {
            System.setProperty("ratewarden.name", "ratewarden-example"); // a stable name in jconsole
        }
        Ratewarden ratewarden = Ratewarden.fromEnvironment();
        ExampleServer server = new ExampleServer(port, ratewarden);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "example-shutdown"));
        StoreInfo info = ratewarden.storeInfo();
        System.out.printf("Ratewarden example listening on http://localhost:%d (%s)%n", server.port(),
                info.redisUrl() == null ? "backend IN_MEMORY: set REDIS_URL to share limits on Redis"
                        : "Redis " + info.redisUrl() + "; in memory whenever Redis does not answer");
        System.out.printf("  curl -i 'http://localhost:%d/quote?user=alice'%n", server.port());
        System.out.printf("  curl -i 'http://localhost:%d/health/ratelimit'%n", server.port());
    }

    /**
     * Returns the port the service listens on.
     *
     * @return the port
     */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops the service and closes its Ratewarden instance. */
    @Override
    public void close() {
        server.stop(0);
        ((ExecutorService) server.getExecutor()).shutdownNow();
        ratewarden.close();
    }

    private void quote(HttpExchange exchange) throws IOException {
        String user = parameter(exchange, "user", "anonymous");
        String symbol = parameter(exchange, "symbol", "ACME");
        try {
            send(exchange, 200, Json.quote(quotes.quote(user, symbol)));
        } catch (UnknownSymbolException e) {
            send(exchange, 404, "{\"error\":" + Json.string(e.getMessage()) + "}");
        } catch (RateLimitExceededException e) {
            long seconds = Math.max(1, (e.retryAfter().toMillis() + 999) / 1000);
            exchange.getResponseHeaders().set("Retry-After", Long.toString(seconds));
            // The key (here the user) stays out of the body, as it stays out of e.getMessage().
            send(exchange, 429, Json.error("rate limit '" + e.limitName() + "' exceeded", seconds));
        }
    }

    private void health(HttpExchange exchange) throws IOException {
        StoreInfo info = ratewarden.storeInfo();
        send(exchange, info.state() == StoreState.FAILED ? 503 : 200, Json.storeInfo(info));
    }

    private static String parameter(HttpExchange exchange, String name, String fallback) {
        String query = exchange.getRequestURI().getRawQuery();
        if (query != null) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0 && pair.substring(0, eq).equals(name)) {
                    return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                }
            }
        }
        return fallback;
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
