package io.ratewarden.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Follows docs/getting-started.md literally: its pom.xml, its two classes at the paths it names,
 * and its run command, in an empty directory. Step 1 of the page ({@code mvn install} in a clone)
 * is done by copying the artifacts this build just packaged into a local repository under
 * {@code target/}, as {@code install} would, rather than by building the tree again from inside its
 * own build. The run reads every other artifact from the user's local repository as from a remote
 * one (read only; Maven Central after it), so the test writes nothing outside the checkout: a
 * snapshot of Ratewarden the user installed stays as it was.
 */
@Tag("build")
@Tag("smoke")
class GettingStartedIT {

    private static final String VERSION = "0.1.0-SNAPSHOT";

    @Test
    void aReaderOfGettingStartedGetsAWovenLimitedMethod(@TempDir Path project) throws Exception {
        Path root = Path.of(System.getProperty("ratewarden.test.projectRoot")).toRealPath();
        Path usersRepository = Path.of(System.getProperty("ratewarden.test.localRepository"));
        Path repository = Path.of(System.getProperty("ratewarden.test.itRepository"));
        installLibrary(root, repository);
        Path settings = project.resolve("settings.xml");
        Files.writeString(settings, readOnlyMirrorOf(usersRepository));

        List<Block> blocks = codeBlocks(Files.readAllLines(root.resolve("docs/getting-started.md")));
        Block pom = single(blocks, "xml", "<project");
        Files.writeString(project.resolve("pom.xml"), pom.text());
        int classes = 0;
        for (Block block : blocks) {
            if (block.language().equals("java") && block.path() != null) {
                Path source = project.resolve(block.path());
                Files.createDirectories(source.getParent());
                Files.writeString(source, block.text());
                classes++;
            }
        }
        assertThat(classes).as("Greeter.java and Main.java").isEqualTo(2);
        String command = single(blocks, "sh", "exec:java").text().trim();

        List<String> arguments = new ArrayList<>(Arrays.asList(command.split("\\s+")));
        assertThat(arguments.get(0)).isEqualTo("mvn");
        arguments.add(1, "-Dmaven.repo.local=" + repository);
        arguments.add(2, "--settings=" + settings);
        Path output = project.resolve("run.log");
        Process maven = new ProcessBuilder(arguments).directory(project.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        boolean finished = maven.waitFor(5, TimeUnit.MINUTES);
        if (!finished) {
            maven.destroyForcibly();
        }
        String printed = Files.readString(output);
        assertThat(finished).as("mvn finished; output:%n%s", printed).isTrue();
        assertThat(maven.exitValue()).as("mvn exit code; output:%n%s", printed).isZero();
        // Maven colours its own lines with ANSI escapes, which can prefix the program's first line.
        List<String> lines = printed.lines().map(l -> l.replaceAll("\u001B\\[[0-9;]*m", "").trim()).toList();
        int first = lines.indexOf("Hello, alice");
        assertThat(first).as("output:%n%s", printed).isNotNegative();
        assertThat(lines.subList(first, Math.min(lines.size(), first + 4))).as("output:%n%s", printed)
                .hasSize(4)
                .satisfies(run -> {
                    assertThat(run.get(1)).isEqualTo("Hello, alice");
                    assertThat(run.get(2)).startsWith("limited: retry after PT");
                    assertThat(java.time.Duration.parse(run.get(2).substring("limited: retry after ".length())))
                            .as("within the one-minute window").isPositive()
                            .isLessThanOrEqualTo(java.time.Duration.ofMinutes(1));
                    assertThat(run.get(3)).isEqualTo("Hello, bob");
                });
    }

    /** A fenced code block, with the path named by the line before it, if any. */
    private record Block(String language, String text, String path) {
    }

    private static List<Block> codeBlocks(List<String> lines) {
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!line.startsWith("```") || line.length() == 3) {
                continue;
            }
            String language = line.substring(3).trim();
            String path = null;
            for (int back = i - 1; back >= 0 && back >= i - 2; back--) {
                String before = lines.get(back).trim();
                if (before.startsWith("`src/") && before.endsWith("`:")) {
                    path = before.substring(1, before.length() - 2);
                }
            }
            StringBuilder text = new StringBuilder();
            for (i++; i < lines.size() && !lines.get(i).startsWith("```"); i++) {
                text.append(lines.get(i)).append('\n');
            }
            blocks.add(new Block(language, text.toString(), path));
        }
        return blocks;
    }

    private static Block single(List<Block> blocks, String language, String containing) {
        List<Block> found = blocks.stream()
                .filter(b -> b.language().equals(language) && b.text().contains(containing)).toList();
        assertThat(found).as("%s blocks containing %s", language, containing).hasSize(1);
        return found.get(0);
    }

    /**
     * Settings that read the user's local repository as a remote one before Maven Central: what it
     * holds is copied into the run's own repository, nothing is written to it.
     */
    private static String readOnlyMirrorOf(Path usersRepository) {
        String url = usersRepository.toUri().toString();
        return """
                <settings>
                  <profiles>
                    <profile>
                      <id>users-repository-read-only</id>
                      <repositories>
                        <repository><id>users-repository</id><url>%1$s</url>
                          <releases><updatePolicy>never</updatePolicy></releases><snapshots><enabled>false</enabled></snapshots>
                        </repository>
                      </repositories>
                      <pluginRepositories>
                        <pluginRepository><id>users-repository</id><url>%1$s</url>
                          <releases><updatePolicy>never</updatePolicy></releases><snapshots><enabled>false</enabled></snapshots>
                        </pluginRepository>
                      </pluginRepositories>
                    </profile>
                  </profiles>
                  <activeProfiles><activeProfile>users-repository-read-only</activeProfile></activeProfiles>
                </settings>
                """.formatted(url);
    }

    /** What {@code mvn install} of step 1 leaves in the local repository for these three artifacts. */
    private static void installLibrary(Path root, Path repository) throws IOException {
        install(repository, "ratewarden-parent", root.resolve("pom.xml"), null);
        install(repository, "ratewarden-core", root.resolve("core/pom.xml"),
                root.resolve("core/target/ratewarden-core-" + VERSION + ".jar"));
        install(repository, "ratewarden-aspectj", root.resolve("aspectj-weaver/pom.xml"),
                root.resolve("aspectj-weaver/target/ratewarden-aspectj-" + VERSION + ".jar"));
    }

    private static void install(Path repository, String artifact, Path pom, Path jar) throws IOException {
        Path directory = repository.resolve("io/ratewarden").resolve(artifact).resolve(VERSION);
        Files.createDirectories(directory);
        Files.copy(pom, directory.resolve(artifact + "-" + VERSION + ".pom"), StandardCopyOption.REPLACE_EXISTING);
        if (jar != null) {
            assertThat(jar).as("packaged by this build").exists();
            Files.copy(jar, directory.resolve(artifact + "-" + VERSION + ".jar"), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.writeString(directory.resolve("maven-metadata-local.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <metadata>
                  <groupId>io.ratewarden</groupId>
                  <artifactId>%s</artifactId>
                  <versioning>
                    <snapshot><localCopy>true</localCopy></snapshot>
                    <lastUpdated>20260101000000</lastUpdated>
                    <snapshotVersions>
                      <snapshotVersion><extension>pom</extension><value>%s</value><updated>20260101000000</updated></snapshotVersion>
                    </snapshotVersions>
                  </versioning>
                  <version>%s</version>
                </metadata>
                """.formatted(artifact, VERSION, VERSION), StandardCharsets.UTF_8);
    }
}
