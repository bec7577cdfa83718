package io.ratewarden.testing;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A Redis Cluster of three masters and three replicas, made of {@code redis-server} processes on
 * free loopback ports and joined with {@code redis-cli --cluster create}. Any node can be killed
 * or paused through its {@link RedisServerProcess}.
 */
public final class RedisClusterProcesses implements AutoCloseable {

    private final List<RedisServerProcess> nodes;

    private RedisClusterProcesses(List<RedisServerProcess> nodes) {
        this.nodes = nodes;
    }

    /**
     * Starts six nodes and creates the cluster; returns once every node reports the cluster ok.
     *
     * @param nodeTimeoutMillis {@code cluster-node-timeout}: how long before a silent master is failed
     * @return the cluster
     */
    public static RedisClusterProcesses start(int nodeTimeoutMillis) throws IOException, InterruptedException {
        List<RedisServerProcess> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                // validity factor 0: a replica always takes over, however long since it heard its master
                nodes.add(TestRedis.controllable("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                        "--cluster-node-timeout", Integer.toString(nodeTimeoutMillis),
                        "--cluster-replica-validity-factor", "0"));
            }
            List<String> command = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            for (RedisServerProcess node : nodes) {
                command.add("127.0.0.1:" + node.port());
            }
            command.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            Process create = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(create.getInputStream().readAllBytes());
            if (!create.waitFor(60, TimeUnit.SECONDS) || create.exitValue() != 0) {
                throw new IOException("redis-cli --cluster create failed: " + output);
            }
            RedisClusterProcesses cluster = new RedisClusterProcesses(nodes);
            cluster.awaitState("ok", Duration.ofSeconds(30));
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException e) {
            for (RedisServerProcess node : nodes) {
                node.close();
            }
            throw e;
        }
    }

    /** Returns every node, masters and replicas. */
    public List<RedisServerProcess> nodes() {
        return nodes;
    }

    /** Returns the nodes that are masters now, by asking a live node. */
    public List<RedisServerProcess> masters() throws IOException {
        List<RedisServerProcess> masters = new ArrayList<>();
        String view = anyLive().call("CLUSTER", "NODES");
        for (String line : view.split("\n")) {
            if (line.contains("master") && !line.contains("fail")) {
                for (RedisServerProcess node : nodes) {
                    if (line.contains("127.0.0.1:" + node.port() + "@")) {
                        masters.add(node);
                    }
                }
            }
        }
        return masters;
    }

    /** Returns a live node's {@code CLUSTER NODES} view, for failure messages. */
    public String view() {
        try {
            return anyLive().call("CLUSTER", "NODES");
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Returns {@code redis://127.0.0.1:port} of every node. */
    public List<String> urls() {
        return nodes.stream().map(RedisServerProcess::url).toList();
    }

    /** Waits until every live node reports {@code cluster_state:<state>}. */
    public void awaitState(String state, Duration limit) throws IOException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (RedisServerProcess node : nodes) {
                try {
                    if (!node.call("CLUSTER", "INFO").contains("cluster_state:" + state)) {
                        all = false;
                    }
                } catch (IOException dead) {
                    // a killed node is not asked
                }
            }
            if (all) {
                return;
            }
            LockSupport.parkNanos(50_000_000);
        }
        throw new IOException("cluster not " + state + " within " + limit);
    }

    private RedisServerProcess anyLive() throws IOException {
        for (RedisServerProcess node : nodes) {
            try {
                node.call("PING");
                return node;
            } catch (IOException dead) {
                // try the next
            }
        }
        throw new IOException("no live cluster node");
    }

    @Override
    public void close() throws IOException {
        for (RedisServerProcess node : nodes) {
            node.close();
        }
    }
}
