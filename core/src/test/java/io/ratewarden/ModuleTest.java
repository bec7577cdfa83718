package io.ratewarden;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What the core module shows to its users: the API, the MXBean interfaces and the store SPI; its
 * internals only to Ratewarden's own modules; and no Redis client.
 */
@Tag("unit")
class ModuleTest {

    @Test
    void theModuleExportsTheApiTheMxBeansAndTheStoreSpiAndNothingElse() throws URISyntaxException {
        Path classes = Path.of(Ratewarden.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ModuleDescriptor module = ModuleFinder.of(classes).find("io.ratewarden").orElseThrow().descriptor();

        Map<String, Set<String>> exports = module.exports().stream()
                .collect(Collectors.toMap(ModuleDescriptor.Exports::source, ModuleDescriptor.Exports::targets));
        assertThat(exports).containsOnly(
                Map.entry("io.ratewarden", Set.of()),
                Map.entry("io.ratewarden.jmx", Set.of()),
                Map.entry("io.ratewarden.store", Set.of()),
                Map.entry("io.ratewarden.internal.call", Set.of("io.ratewarden.aspectj", "io.ratewarden.spring")),
                Map.entry("io.ratewarden.internal.failover", Set.of("io.ratewarden.redis")),
                Map.entry("io.ratewarden.internal.settings", Set.of("io.ratewarden.redis")));
        assertThat(module.requires()).extracting(ModuleDescriptor.Requires::name).as("no Redis client in core")
                .doesNotContain("redisson").allMatch(name -> !name.contains("netty"));
        assertThat(module.uses()).as("the Redis support is found when it is there")
                .containsExactly("io.ratewarden.internal.failover.SharedBackendProvider");
        assertThat(module.opens()).as("no reflection into the internals").isEmpty();
    }
}
