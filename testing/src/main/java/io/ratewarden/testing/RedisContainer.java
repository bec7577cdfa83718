package io.ratewarden.testing;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;
import org.testcontainers.utility.DockerImageName;

/**
 * A Redis in a Testcontainers container of the pinned local image, published on a fixed free
 * loopback port so that a restart after a kill comes back where clients look for it. The image
 * is never pulled: {@link TestRedis} uses containers only when it is present on the engine.
 */
public final class RedisContainer implements RedisServer {

    private static final ExposedPort REDIS = ExposedPort.tcp(6379);

    private final GenericContainer<?> container;
    private final int port;

    private RedisContainer(String image, int port, String... extraArgs) {
        this.port = port;
        List<String> command = new ArrayList<>(List.of("/bin/redis-server", "--protected-mode", "no", "--save", "",
                "--appendonly", "no"));
        command.addAll(List.of(extraArgs));
        this.container = new GenericContainer<>(DockerImageName.parse(image))
                .withImagePullPolicy(name -> false)
                .withCommand(command.toArray(new String[0]))
                .withCreateContainerCmdModifier(cmd -> {
                    cmd.withExposedPorts(REDIS);
                    cmd.getHostConfig().withPortBindings(new PortBinding(Ports.Binding.bindIpAndPort("127.0.0.1",
                            port), REDIS));
                })
                .waitingFor(new PingOnLoopback(port));
    }

    /**
     * Starts a container of {@code image} on a free loopback port.
     *
     * @param image the local image
     * @param extraArgs more server arguments
     * @return the running server
     */
    static RedisContainer start(String image, String... extraArgs) throws IOException {
        RedisContainer redis = new RedisContainer(image, RedisServerProcess.freePort(), extraArgs);
        redis.container.start();
        ProcessReaper.watchContainer(redis.container.getContainerId());
        return redis;
    }

    /** Whether the engine holds {@code image}, asked without pulling. */
    static boolean imagePresent(String image) {
        try {
            DockerClientFactory.instance().client().inspectImageCmd(image).exec();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public void kill() throws InterruptedException {
        docker().killContainerCmd(container.getContainerId()).exec();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (Boolean.TRUE.equals(docker().inspectContainerCmd(container.getContainerId()).exec().getState()
                .getRunning()) && System.nanoTime() < deadline) {
            Thread.sleep(20); // polling the engine's view of the container, bounded
        }
    }

    @Override
    public void pause() {
        docker().pauseContainerCmd(container.getContainerId()).exec();
    }

    @Override
    public void resume() {
        docker().unpauseContainerCmd(container.getContainerId()).exec();
    }

    @Override
    public void restart() throws IOException {
        docker().startContainerCmd(container.getContainerId()).exec();
        new PingOnLoopback(port).await(Duration.ofSeconds(20));
    }

    @Override
    public void close() {
        ProcessReaper.releaseContainer(container.getContainerId());
        container.stop();
    }

    private DockerClient docker() {
        return container.getDockerClient();
    }

    /**
     * Ready when Redis answers PING on the loopback port (not through the engine's guess of the
     * host), or asks for the password a test gave it.
     */
    private static final class PingOnLoopback extends AbstractWaitStrategy {
        private final int port;

        PingOnLoopback(int port) {
            this.port = port;
        }

        @Override
        protected void waitUntilReady() {
            try {
                await(startupTimeout);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        void await(Duration limit) throws IOException {
            long deadline = System.nanoTime() + limit.toNanos();
            IOException last = null;
            while (System.nanoTime() < deadline) {
                try {
                    String reply = Resp.call("127.0.0.1", port, null, "PING");
                    if (reply.equals("PONG") || reply.startsWith("-NOAUTH")) {
                        return; // up, and asking for the password the test set
                    }
                } catch (IOException e) {
                    last = e;
                }
                try {
                    Thread.sleep(20); // polling a server that is starting, bounded
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
            throw new IOException("Redis in a container on port " + port + " not ready within " + limit, last);
        }
    }
}
