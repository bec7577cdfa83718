package io.ratewarden.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.examples.ltw.LoadTimeWovenMain;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The published aspect jar also works by load-time weaving: a class that javac compiled, run in a
 * separate JVM with {@code -javaagent:aspectjweaver.jar}, is limited.
 */
@Tag("unit")
@Tag("smoke")
class LoadTimeWeavingTest {

    @Test
    void theAgentWeavesTheAspectJarAtLoadTime() throws Exception {
        String agent = System.getProperty("ratewarden.test.weaverAgent");
        assertThat(agent).as("path of aspectjweaver.jar, set by the build").isNotBlank();
        assertThat(Path.of(agent)).exists();

        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = System.getProperty("java.class.path");
        assertThat(classPath).contains("ratewarden-aspectj");

        Path output = Files.createTempFile("ltw", ".log");
        Process process = new ProcessBuilder(javaBin, "-javaagent:" + agent, "-cp", classPath,
                LoadTimeWovenMain.class.getName())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        boolean exited = process.waitFor(60, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
        }
        List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
        Files.delete(output);
        assertThat(exited).as("child JVM exited; output: %s", lines).isTrue();
        assertThat(lines).as("child output").contains("WOVEN: third call rejected by limit for key alice, runs=2");
        assertThat(process.exitValue()).isZero();

        // Without the agent the same class is not limited: the test proves the agent did the work.
        Process unwoven = new ProcessBuilder(javaBin, "-cp", classPath, LoadTimeWovenMain.class.getName())
                .redirectErrorStream(true).start();
        assertThat(unwoven.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(unwoven.exitValue()).isEqualTo(1);
        assertThat(new String(unwoven.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .contains("NOT WOVEN");
    }
}
