package io.ratewarden.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Makes the processes a test JVM starts (redis-server, Sentinel and Cluster nodes, client JVMs),
 * and the Redis containers it runs, die with it, however it ends:
 * <ul>
 *   <li>a normal exit, {@code SIGTERM} or {@code SIGINT} (Ctrl-C on {@code mvn verify}) runs a
 *       shutdown hook that kills them;</li>
 *   <li>a {@code SIGKILL} runs no hook, so a small watchdog shell, started once per JVM and
 *       deaf to those signals, reads the pids from a pipe and kills the ones still registered
 *       when the pipe closes, that is when the JVM is gone.</li>
 * </ul>
 * The watchdog kills a pid only if it is still the process that was registered (same start time
 * in {@code /proc}), so a pid the system reused for another process is left alone. A process the
 * test stops itself is {@linkplain #release released} first.
 */
public final class ProcessReaper {

    private static final String WATCHDOG = String.join("\n",
            "trap '' INT TERM HUP",
            "started() { cut -d' ' -f22 \"/proc/$1/stat\" 2>/dev/null; }",
            "pids=''",
            "containers=''",
            "while IFS= read -r line; do",
            "  case \"$line\" in",
            "    +c:*) containers=\"$containers ${line#+c:}\" ;;",
            "    -c:*) c=${line#-c:}; kept=''; for e in $containers; do [ \"$e\" = \"$c\" ] || kept=\"$kept $e\"; done;"
                    + " containers=$kept ;;",
            "    +*) p=${line#+}; pids=\"$pids $p:$(started \"$p\")\" ;;",
            "    -*) p=${line#-}; kept=''; for e in $pids; do [ \"${e%%:*}\" = \"$p\" ] || kept=\"$kept $e\"; done;"
                    + " pids=$kept ;;",
            "  esac",
            "done",
            "for e in $pids; do",
            "  p=${e%%:*}; s=${e#*:}",
            "  if [ -n \"$s\" ] && [ \"$(started \"$p\")\" = \"$s\" ]; then kill -9 \"$p\" 2>/dev/null; fi",
            "done",
            "for c in $containers; do docker rm -f -v \"$c\" >/dev/null 2>&1; done", "");

    private static final Map<Long, ProcessHandle> WATCHED = new ConcurrentHashMap<>();
    private static final Map<String, Boolean> CONTAINERS = new ConcurrentHashMap<>();
    private static OutputStream watchdog;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ProcessReaper::reapNow, "process-reaper"));
    }

    private ProcessReaper() {
    }

    /**
     * Registers a process this JVM started, to die with the JVM.
     *
     * @param process the process, just started
     * @return the process
     */
    public static synchronized Process watch(Process process) {
        WATCHED.put(process.pid(), process.toHandle());
        tell("+" + process.pid());
        return process;
    }

    /**
     * Forgets a process the test has stopped itself (or is about to).
     *
     * @param process the process
     */
    public static synchronized void release(Process process) {
        if (WATCHED.remove(process.pid()) != null) {
            tell("-" + process.pid());
        }
    }

    /**
     * Registers a container this JVM started, to be removed when the JVM is gone.
     *
     * @param id the container's id
     */
    public static synchronized void watchContainer(String id) {
        CONTAINERS.put(id, Boolean.TRUE);
        tell("+c:" + id);
    }

    /**
     * Forgets a container the test has removed itself (or is about to).
     *
     * @param id the container's id
     */
    public static synchronized void releaseContainer(String id) {
        if (CONTAINERS.remove(id) != null) {
            tell("-c:" + id);
        }
    }

    private static void reapNow() {
        WATCHED.values().forEach(ProcessHandle::destroyForcibly);
        for (String id : CONTAINERS.keySet()) {
            try {
                Process rm = new ProcessBuilder("docker", "rm", "-f", "-v", id)
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                rm.waitFor(10, TimeUnit.SECONDS);
            } catch (IOException e) {
                return; // no docker CLI: the watchdog cannot either
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void tell(String line) {
        try {
            if (watchdog == null) {
                Process shell = new ProcessBuilder("/bin/sh", "-c", WATCHDOG)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                watchdog = shell.getOutputStream();
            }
            watchdog.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            watchdog.flush();
        } catch (IOException e) {
            // The shutdown hook still covers every end but a SIGKILL.
            System.err.println("process reaper: the watchdog is unavailable (" + e + ")");
        }
    }
}
