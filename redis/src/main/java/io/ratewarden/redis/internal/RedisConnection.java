package io.ratewarden.redis.internal;

import io.ratewarden.internal.settings.RedisAddress;
import io.ratewarden.internal.settings.Secrets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.BaseConfig;
import org.redisson.config.Config;
import org.redisson.config.ConstantDelay;
import org.redisson.config.MasterSlaveServersConfig;
import org.redisson.config.ReplicatedServersConfig;
import org.redisson.config.SentinelServersConfig;
import org.redisson.config.SingleServerConfig;

/**
 * A Redisson client for Ratewarden, with what may be shown of it: the masked address and the
 * secrets to scrub from messages. Clients built here start lazily, so that building never blocks
 * on an unreachable Redis; a client passed in by the user is never shut down by Ratewarden.
 */
public final class RedisConnection implements AutoCloseable {

    private final Supplier<Created> factory;
    private final boolean owned;
    private final String maskedUrl;
    private final Secrets secrets;
    private final boolean cluster;
    private volatile RedissonClient client;
    private ExecutorService executor; // the client's own, under this object's lock; null for the caller's client
    private boolean closed; // under this object's lock
    private final Object creation = new Object();

    private RedisConnection(Supplier<Created> factory, boolean owned, String maskedUrl, Secrets secrets,
                            boolean cluster) {
        this.factory = factory;
        this.owned = owned;
        this.maskedUrl = maskedUrl;
        this.secrets = secrets;
        this.cluster = cluster;
    }

    /**
     * A single-server connection from a URL. Redisson connects lazily, with a constant
     * reconnection delay of 100 ms so that a returning Redis is found within a probe interval,
     * and without retries, so that the first failed connection reports its cause at once.
     *
     * @param url the Redis URL
     * @return the connection
     * @throws IllegalArgumentException if the URL is malformed (the message shows it masked)
     */
    public static RedisConnection fromUrl(String url) {
        RedisAddress address = RedisAddress.parse(url);
        Config config = new Config();
        config.setUsername(address.username());
        config.setPassword(address.password());
        SingleServerConfig server = config.useSingleServer()
                .setAddress(address.withoutCredentials())
                .setConnectTimeout(2_000)
                // No retries: the probe retries every probeInterval, and Redisson's retries of a
                // first connection would hide its cause (WRONGPASS, NOPERM) for about 6 s.
                .setRetryAttempts(0)
                // Few connections opened up front: a limiter needs few, and a client shut down
                // while its pool is still connecting can leave those sockets open.
                .setConnectionMinimumIdleSize(1)
                .setSubscriptionConnectionMinimumIdleSize(0)
                .setReconnectionDelay(new ConstantDelay(Duration.ofMillis(100)));
        if (address.database() >= 0) {
            server.setDatabase(address.database());
        }
        config.setLazyInitialization(true);
        return new RedisConnection(() -> create(config), true, address.masked(),
                Secrets.of(address.password()), false);
    }

    /**
     * A connection from a Redisson configuration, which is copied (with lazy initialisation
     * turned on) and otherwise used as given.
     *
     * @param config the configuration
     * @return the connection
     */
    public static RedisConnection fromConfig(Config config) {
        return ofOwnConfig(new Config(Objects.requireNonNull(config, "redissonConfig")));
    }

    /**
     * A connection on a configuration nobody else holds (a copy, or one read from a file), used as
     * it is: Redisson logs a deprecation WARN each time it copies a configuration whose password
     * is set per server rather than on the {@code Config}, so nothing here copies it again.
     */
    private static RedisConnection ofOwnConfig(Config config) {
        config.setLazyInitialization(true);
        Described described = describe(config);
        return new RedisConnection(() -> create(config), true, described.maskedUrl, described.secrets,
                config.isClusterConfig());
    }

    /**
     * A connection from a Redisson YAML file. The file holds the password in clear text: neither
     * its content nor parse errors quoting it are ever shown.
     *
     * @param yaml the file
     * @return the connection
     * @throws IllegalArgumentException if the file cannot be read or parsed
     */
    public static RedisConnection fromYaml(Path yaml) {
        return ofOwnConfig(readYaml(yaml));
    }

    /**
     * Reads a Redisson YAML file into a configuration. The file holds the password in clear
     * text: neither its content nor parse errors quoting it are ever shown.
     *
     * @param yaml the file
     * @return the configuration
     * @throws IllegalArgumentException if the file cannot be read or parsed
     */
    public static Config readYaml(Path yaml) {
        Objects.requireNonNull(yaml, "redissonYaml");
        String content;
        try {
            content = Files.readString(yaml);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read Redisson YAML " + yaml + ": " + e.getClass().getSimpleName());
        }
        Config config;
        try {
            config = Config.fromYAML(content);
        } catch (RuntimeException e) {
            // parser messages quote the offending line, which may hold the password
            throw new IllegalArgumentException("Cannot parse Redisson YAML " + yaml
                    + " (parser message withheld: it may quote secrets)");
        }
        return config;
    }

    /**
     * A connection over a client the caller owns; Ratewarden never shuts it down.
     *
     * @param client the client
     * @return the connection
     */
    public static RedisConnection ofClient(RedissonClient client) {
        Objects.requireNonNull(client, "redissonClient");
        Config config = client.getConfig(); // read, not copied: a copy logs a WARN per server password
        Described described = describe(config);
        return new RedisConnection(() -> new Created(client, null), false, described.maskedUrl, described.secrets,
                config.isClusterConfig());
    }

    /**
     * Returns a new connection on the same configuration or client, for another instance: its own
     * client when this one owns its client, the same client otherwise. Copies no configuration.
     *
     * @return a connection not yet connected
     */
    public RedisConnection reopen() {
        return new RedisConnection(factory, owned, maskedUrl, secrets, cluster);
    }

    /**
     * Returns {@code url} with its password masked.
     *
     * @param url a URL {@link #fromUrl} accepts
     * @return the masked URL
     * @throws IllegalArgumentException if the URL is malformed; the message is masked
     */
    public static String maskUrl(String url) {
        return RedisAddress.parse(url).masked();
    }

    /**
     * Returns the client, creating it on first use (which does not block on the network).
     *
     * @return the client
     * @throws IllegalStateException once the connection is closed: no client is created after
     *     {@link #close()}
     */
    public RedissonClient client() {
        RedissonClient current = client;
        if (current != null) {
            return current;
        }
        // Creating may block for long (a Redisson configuration's Sentinels, each tried for its
        // connect timeout, cannot be interrupted): under a lock of its own, so that close() never
        // waits for it. A client created after close() is shut down here, once its attempt ended.
        synchronized (creation) {
            current = client;
            if (current != null) {
                return current;
            }
            synchronized (this) {
                if (closed) {
                    throw new IllegalStateException("the connection to Redis " + maskedUrl + " is closed");
                }
            }
            Created made = factory.get();
            RedissonClient created = made.client();
            synchronized (this) {
                if (!closed) {
                    client = created;
                    executor = made.executor();
                    return created;
                }
            }
            shutDown(made);
            throw new IllegalStateException("the connection to Redis " + maskedUrl + " is closed");
        }
    }

    /**
     * Returns the Redis address with secrets masked; several nodes are separated by commas.
     *
     * @return the masked address
     */
    public String maskedUrl() {
        return maskedUrl;
    }

    /**
     * Returns whether the connection is to a Redis Cluster.
     *
     * @return whether clustered
     */
    public boolean cluster() {
        return cluster;
    }

    /**
     * Returns the secrets to scrub from any text shown.
     *
     * @return the secrets
     */
    public Secrets secrets() {
        return secrets;
    }

    /**
     * Shuts the client down when Ratewarden created it (a client passed in stays open). Idempotent.
     * Does not wait for a client still being created: the thread creating it shuts it down once its
     * attempt ends.
     */
    @Override
    public void close() {
        Created current;
        synchronized (this) {
            closed = true;
            current = client == null ? null : new Created(client, executor);
            client = null;
            executor = null;
        }
        if (current != null) {
            shutDown(current);
        }
    }

    private void shutDown(Created current) {
        if (owned && !current.client().isShutdown()) {
            // No quiet period: Redisson hands Netty what is left of the timeout after closing the
            // connections, and Netty refuses a timeout below its quiet period.
            current.client().shutdown(0, 2_000, TimeUnit.MILLISECONDS);
        }
        if (current.executor() != null) {
            current.executor().shutdown(); // a task Netty hands it from now on is dropped
        }
    }

    /** A client, and the executor made for it ({@code null} when its configuration named one). */
    private record Created(RedissonClient client, ExecutorService executor) {
    }

    /**
     * A client Ratewarden owns, on an executor of its own unless the configuration names one: a
     * reconnection that completes while the client shuts down (right after an outage, say) hands
     * its last step to the executor, and Redisson's own one, shut down by then, rejects it, which
     * Netty logs as a WARN with a stack trace. This one drops such a step quietly.
     */
    private static Created create(Config config) {
        if (config.getExecutor() != null) {
            return new Created(Redisson.create(config), null);
        }
        ClientExecutor executor = new ClientExecutor();
        synchronized (config) { // one source may build several instances at once; Redisson copies it
            config.setExecutor(executor);
            try {
                return new Created(Redisson.create(config), executor);
            } catch (RuntimeException | Error e) {
                executor.shutdown();
                throw e;
            } finally {
                config.setExecutor(null);
            }
        }
    }

    /** The executor of one client: Redisson's default size, daemon threads, late tasks dropped. */
    private static final class ClientExecutor extends ThreadPoolExecutor {

        private static final AtomicInteger THREADS = new AtomicInteger();

        ClientExecutor() {
            super(Runtime.getRuntime().availableProcessors() * 2, Runtime.getRuntime().availableProcessors() * 2,
                    0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), task -> {
                        Thread thread = new Thread(task, "ratewarden-redisson-" + THREADS.incrementAndGet());
                        thread.setDaemon(true);
                        return thread;
                    }, new ThreadPoolExecutor.DiscardPolicy());
        }
    }

    private record Described(String maskedUrl, Secrets secrets) {
    }

    private static Described describe(Config config) {
        List<String> secrets = new ArrayList<>();
        secrets.add(config.getPassword());
        String addresses;
        BaseConfig<?> server;
        if (config.isSingleConfig()) {
            SingleServerConfig single = config.useSingleServer();
            addresses = single.getAddress();
            server = single;
        } else if (config.isClusterConfig()) {
            addresses = String.join(",", config.useClusterServers().getNodeAddresses());
            server = config.useClusterServers();
        } else if (config.isSentinelConfig()) {
            SentinelServersConfig sentinel = config.useSentinelServers();
            addresses = String.join(",", sentinel.getSentinelAddresses());
            secrets.add(sentinel.getSentinelPassword());
            server = sentinel;
        } else {
            Described other = describeOther(new Config(config), secrets); // asking which kind creates one
            if (other != null) {
                return other;
            }
            return new Described("<unconfigured>", Secrets.of(secrets.toArray(new String[0])));
        }
        secrets.add(server.getPassword());
        String masked = addresses == null || addresses.isEmpty() ? "<unconfigured>" : RedisAddress.maskList(addresses);
        return new Described(masked, Secrets.of(secrets.toArray(new String[0])));
    }

    private static Described describeOther(Config config, List<String> secrets) {
        try {
            ReplicatedServersConfig replicated = config.useReplicatedServers();
            if (!replicated.getNodeAddresses().isEmpty()) {
                secrets.add(replicated.getPassword());
                return new Described(RedisAddress.maskList(String.join(",", replicated.getNodeAddresses())),
                        Secrets.of(secrets.toArray(new String[0])));
            }
        } catch (IllegalStateException notReplicated) {
            // a master/slave configuration
        }
        try {
            MasterSlaveServersConfig masterSlave = config.useMasterSlaveServers();
            secrets.add(masterSlave.getPassword());
            return new Described(RedisAddress.maskList(masterSlave.getMasterAddress()),
                    Secrets.of(secrets.toArray(new String[0])));
        } catch (IllegalStateException unknown) {
            return null;
        }
    }

}
