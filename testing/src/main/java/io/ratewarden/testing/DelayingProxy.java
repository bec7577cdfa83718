package io.ratewarden.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy on loopback that makes a bad network between a client and a Redis, for tests and
 * benchmarks on a kernel without netem. Each direction of each connection is forwarded in order
 * by a thread of its own, which holds every chunk it reads for {@code latencyMillis}, and with
 * probability {@code lossRate} for {@code retransmitMillis} more: what a lost segment costs a TCP
 * stream (the sender's retransmission timeout, 200 ms at least on Linux), since TCP itself never
 * loses bytes, it delays them and everything behind them.
 */
public final class DelayingProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int targetPort;
    private final long latencyNanos;
    private final double lossRate;
    private final long retransmitNanos;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;
    private volatile boolean closed;

    /**
     * Starts the proxy on a free loopback port.
     *
     * @param targetPort the loopback port of the Redis behind it
     * @param latencyMillis the delay added to each chunk, each way
     * @param lossRate the probability that a chunk is held as if a segment were lost
     * @param retransmitMillis how long such a chunk is held on top of the latency
     * @param seed the random seed, for a reproducible run
     */
    public DelayingProxy(int targetPort, long latencyMillis, double lossRate, long retransmitMillis, long seed)
            throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.targetPort = targetPort;
        this.latencyNanos = latencyMillis * 1_000_000;
        this.lossRate = lossRate;
        this.retransmitNanos = retransmitMillis * 1_000_000;
        SplittableRandom seeds = new SplittableRandom(seed);
        this.acceptor = new Thread(() -> accept(seeds), "delaying-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Returns the port clients connect to. */
    public int port() {
        return server.getLocalPort();
    }

    /** Returns {@code redis://127.0.0.1:<port>}. */
    public String url() {
        return "redis://127.0.0.1:" + port();
    }

    private void accept(SplittableRandom seeds) {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket target = new Socket();
                target.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 2_000);
                client.setTcpNoDelay(true);
                target.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(target);
                pump(client, target, seeds.split());
                pump(target, client, seeds.split());
            } catch (IOException e) {
                if (!closed) {
                    LockSupport.parkNanos(10_000_000); // the target is down: the client will retry
                }
            }
        }
    }

    /** A chunk read from one side, to be written to the other at {@code deliverAt} (nanoTime). */
    private record Chunk(byte[] bytes, long deliverAt) {
    }

    private static final Chunk END = new Chunk(new byte[0], 0);

    /**
     * Forwards one direction: a reader stamps each chunk with its delivery time, never earlier than
     * the chunk before (TCP delivers in order, so a lost segment holds back what follows it), and a
     * writer delivers each at its time. Chunks in flight do not wait for each other's latency.
     */
    private void pump(Socket from, Socket to, SplittableRandom random) {
        java.util.concurrent.BlockingQueue<Chunk> queue = new java.util.concurrent.LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            byte[] buffer = new byte[16 * 1024];
            long last = 0;
            try (InputStream in = from.getInputStream()) {
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    long hold = latencyNanos + (random.nextDouble() < lossRate ? retransmitNanos : 0);
                    last = Math.max(last, System.nanoTime() + hold);
                    queue.add(new Chunk(java.util.Arrays.copyOf(buffer, read), last));
                }
            } catch (IOException e) {
                // either side closed
            } finally {
                queue.add(END);
            }
        }, "delaying-proxy-read");
        Thread writer = new Thread(() -> {
            try (OutputStream out = to.getOutputStream()) {
                for (Chunk chunk = queue.take(); chunk != END; chunk = queue.take()) {
                    long wait;
                    while ((wait = chunk.deliverAt() - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait); // the network's delay, not a synchronisation
                    }
                    out.write(chunk.bytes());
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // either side closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "delaying-proxy-write");
        reader.setDaemon(true);
        writer.setDaemon(true);
        reader.start();
        writer.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
