package io.ratewarden;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The layout of core's sources shows its architecture: no file over about 400 lines but the
 * window data structures (and the builder's list of setters), no two files that depend on each other (directly or round a loop) but
 * the entry point and its builder, internal packages that depend on each other one way only, and
 * nothing below the façade that imports it, but the woven call, which is its client.
 */
@Tag("unit")
class LayoutTest {

    private static final Path SOURCES = Path.of("src/main/java");
    private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?([\\w.]+);", Pattern.MULTILINE);
    private static final Set<String> FACADE = Set.of("io.ratewarden.Ratewarden", "io.ratewarden.RatewardenBuilder",
            "io.ratewarden.Limiter", "io.ratewarden.LimitTier", "io.ratewarden.LimitRegistry",
            "io.ratewarden.StoreAccess", "io.ratewarden.JmxBeans", "io.ratewarden.LimitCounters");

    private final Map<String, String> sources = read();
    private final Map<String, Set<String>> dependencies = dependencies();

    @Test
    void noFileIsOverAboutFourHundredLinesButTheWindows() {
        Map<String, Long> long_ = new TreeMap<>();
        sources.forEach((type, text) -> {
            long lines = text.lines().count();
            // The builder is one documented setter per setting: it grows with the settings, not with logic.
            if (lines > 410 && !type.startsWith("io.ratewarden.internal.window.")
                    && !type.equals("io.ratewarden.RatewardenBuilder")) {
                long_.put(type, lines);
            }
        });
        assertThat(long_).isEmpty();
    }

    @Test
    void noTwoFilesDependOnEachOtherButTheEntryPointAndItsBuilder() {
        List<Set<String>> cycles = new ArrayList<>();
        for (Set<String> component : stronglyConnected()) {
            if (component.size() > 1) {
                cycles.add(component);
            }
        }
        assertThat(cycles).containsExactly(Set.of("io.ratewarden.Ratewarden", "io.ratewarden.RatewardenBuilder"));
    }

    @Test
    void internalPackagesDependOnEachOtherOneWayAndNothingBelowTheFacadeImportsIt() {
        Map<String, Set<String>> packages = new TreeMap<>();
        List<String> upward = new ArrayList<>();
        dependencies.forEach((type, uses) -> {
            for (String used : uses) {
                String from = packageOf(type);
                String to = packageOf(used);
                if (from.startsWith("io.ratewarden.internal.") && to.startsWith("io.ratewarden.internal.")
                        && !from.equals(to)) {
                    packages.computeIfAbsent(from, p -> new TreeSet<>()).add(to);
                }
                if (from.startsWith("io.ratewarden.internal.") && !from.equals("io.ratewarden.internal.call")
                        && FACADE.contains(used)) {
                    upward.add(type + " -> " + used);
                }
            }
        });
        packages.forEach((from, tos) -> tos.forEach(to ->
                assertThat(packages.getOrDefault(to, Set.of())).as(from + " <-> " + to).doesNotContain(from)));
        assertThat(upward).isEmpty();
        assertThat(packages.keySet()).as("the internal packages, named by role").isSubsetOf(
                "io.ratewarden.internal.window", "io.ratewarden.internal.failover", "io.ratewarden.internal.call",
                "io.ratewarden.internal.settings");
    }

    private static String packageOf(String type) {
        return type.substring(0, type.lastIndexOf('.'));
    }

    private static Map<String, String> read() {
        Map<String, String> sources = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String name = file.getFileName().toString();
                if (name.equals("module-info.java") || name.equals("package-info.java")) {
                    continue;
                }
                String text = Files.readString(file);
                Matcher pkg = PACKAGE.matcher(text);
                assertThat(pkg.find()).as(file.toString()).isTrue();
                sources.put(pkg.group(1) + "." + name.substring(0, name.length() - 5), text);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(sources).as("core's sources, read from " + SOURCES.toAbsolutePath()).hasSizeGreaterThan(50);
        return sources;
    }

    /** Each type's uses of the others: imports, and names of its own package in its code. */
    private Map<String, Set<String>> dependencies() {
        Map<String, Set<String>> uses = new HashMap<>();
        sources.forEach((type, text) -> {
            Set<String> used = new HashSet<>();
            Matcher imports = IMPORT.matcher(text);
            while (imports.find()) {
                String imported = imports.group(1);
                for (String candidate = imported; candidate.contains("."); candidate =
                        candidate.substring(0, candidate.lastIndexOf('.'))) {
                    if (sources.containsKey(candidate)) {
                        used.add(candidate);
                        break;
                    }
                }
            }
            String code = withoutCommentsAndStrings(text);
            String pkg = packageOf(type);
            for (String other : sources.keySet()) {
                if (!other.equals(type) && packageOf(other).equals(pkg)
                        && Pattern.compile("\\b" + other.substring(pkg.length() + 1) + "\\b").matcher(code).find()) {
                    used.add(other);
                }
            }
            used.remove(type);
            uses.put(type, used);
        });
        return uses;
    }

    private static String withoutCommentsAndStrings(String text) {
        return text.replaceAll("\"(?:[^\"\\\\\\n]|\\\\.)*\"", "\"\"")
                .replaceAll("(?s)/\\*.*?\\*/", "")
                .replaceAll("//[^\\n]*", "")
                .replaceAll("(?m)^(package|import) .*$", "");
    }

    /** Tarjan's strongly connected components of the dependency graph. */
    private List<Set<String>> stronglyConnected() {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new HashSet<>();
        List<Set<String>> components = new ArrayList<>();
        int[] counter = {0};
        for (String type : dependencies.keySet()) {
            if (!index.containsKey(type)) {
                connect(type, index, low, stack, onStack, components, counter);
            }
        }
        return components;
    }

    private void connect(String type, Map<String, Integer> index, Map<String, Integer> low, Deque<String> stack,
                         Set<String> onStack, List<Set<String>> components, int[] counter) {
        index.put(type, counter[0]);
        low.put(type, counter[0]++);
        stack.push(type);
        onStack.add(type);
        for (String used : dependencies.get(type)) {
            if (!index.containsKey(used)) {
                connect(used, index, low, stack, onStack, components, counter);
                low.put(type, Math.min(low.get(type), low.get(used)));
            } else if (onStack.contains(used)) {
                low.put(type, Math.min(low.get(type), index.get(used)));
            }
        }
        if (low.get(type).equals(index.get(type))) {
            Set<String> component = new TreeSet<>();
            String member;
            do {
                member = stack.pop();
                onStack.remove(member);
                component.add(member);
            } while (!member.equals(type));
            components.add(component);
        }
    }
}
