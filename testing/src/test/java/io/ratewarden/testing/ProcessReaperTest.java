package io.ratewarden.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The redis-server a test JVM started dies with that JVM, whether it is killed outright or asked
 * to stop: the harness never leaves servers behind.
 */
@Tag("redis")
class ProcessReaperTest {

    /** A test JVM in miniature: starts a server, says its pid, and waits to be killed. */
    public static final class StartsAServer {
        private StartsAServer() {
        }

        /**
         * Starts the server and waits.
         *
         * @param args the file to write the server's pid to
         * @throws Exception never expected
         */
        public static void main(String[] args) throws Exception {
            RedisServerProcess server = RedisServerProcess.start();
            Path pid = Path.of(args[0]);
            Files.writeString(Path.of(args[0] + ".tmp"), Long.toString(server.pid()));
            Files.move(Path.of(args[0] + ".tmp"), pid);
            Thread.sleep(120_000); // to be killed by the test long before: a bound, not a synchronisation
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"KILL", "TERM", "INT"})
    void aServerDiesWithTheJvmThatStartedItHoweverItEnds(String signal) throws Exception {
        Path dir = Files.createTempDirectory("reaper");
        Path pidFile = dir.resolve("server.pid");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = System.getProperty("java.class.path")
                + (System.getProperty("jdk.module.path") == null ? "" : File.pathSeparator
                + System.getProperty("jdk.module.path"));
        // A build started in the background (CI, nohup) ignores SIGINT, and so would the child JVM
        // it starts; Ctrl-C reaches a build in a terminal, whose JVMs do not ignore it. env restores
        // the default so that the child stands for the latter.
        Process jvm = ProcessReaper.watch(new ProcessBuilder("env", "--default-signal=INT", java, "-cp", classPath,
                StartsAServer.class.getName(), pidFile.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("jvm.log").toFile()).start());
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(pidFile) || !jvm.isAlive());
            assertThat(jvm.isAlive()).as("the JVM started its server; log: %s",
                    Files.readString(dir.resolve("jvm.log"))).isTrue();
            long serverPid = Long.parseLong(Files.readString(pidFile));
            Optional<ProcessHandle> server = ProcessHandle.of(serverPid);
            assertThat(server).as("the server runs").isPresent();

            ProcessReaper.release(jvm);
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(jvm.pid())).start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).as("the JVM ended on SIG%s", signal).isTrue();

            await().atMost(Duration.ofSeconds(30)).until(() -> !server.get().isAlive());
        } finally {
            jvm.destroyForcibly();
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }
}
