package io.ratewarden.aspectj;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Reactor is an optional dependency: with its jars taken off the class path (Redisson brings
 * them, and an application may exclude them), woven methods work as before.
 */
@Tag("unit")
class WithoutReactorTest {

    @Test
    void wovenMethodsAreLimitedWithNoReactorOnTheClassPath() throws Exception {
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.contains("reactor-core") && !entry.contains("reactive-streams"))
                .collect(Collectors.joining(File.pathSeparator));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = Files.createTempFile("without-reactor", ".log");
        Process child = new ProcessBuilder(java, "-cp", classPath, WithoutReactorMain.class.getName())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean exited = child.waitFor(60, TimeUnit.SECONDS);
        if (!exited) {
            child.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        Files.delete(log);
        assertThat(exited).as("child exited; output: %s", output).isTrue();
        assertThat(output).contains("no Reactor on the class path", "sync rejected: sync", "async rejected: async")
                .doesNotContain("Exception in thread", "NoClassDefFoundError", " ERROR ");
        assertThat(child.exitValue()).as("exit code; output: %s", output).isZero();
    }
}
