package dev.dispatcher.control;

import java.lang.reflect.Proxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reload on SIGHUP, as daemons do (systemd's ExecReload sends it). Java has no public signal API;
 * sun.misc.Signal (module jdk.unsupported) is the supported-in-practice one. It is reached by
 * reflection because javac flags every direct use as internal API, which -Werror refuses.
 */
public final class ReloadSignal {
    private static final Logger LOG = LoggerFactory.getLogger(ReloadSignal.class);

    private ReloadSignal() {
    }

    /**
     * Installs the handler; returns false (and logs why) where the JVM does not allow it. A process
     * started with SIGHUP ignored gets the default disposition back first (see
     * {@link HangupDisposition}): SIGHUP reloads, it never stops the dispatcher.
     */
    public static boolean install(Runnable onHangup) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance("HUP");
            Object handler = Proxy.newProxyInstance(handlerClass.getClassLoader(), new Class<?>[] {handlerClass},
                    (proxy, method, args) -> {
                        if (method.getName().equals("handle")) {
                            // Off the signal thread: a reload reads a file and compiles a table.
                            Thread.ofVirtual().name("dispatcher-reload").start(onHangup);
                            return null;
                        }
                        return switch (method.getName()) {
                            case "toString" -> "dispatcher SIGHUP handler";
                            case "hashCode" -> System.identityHashCode(proxy);
                            case "equals" -> proxy == args[0];
                            default -> null;
                        };
                    });
            java.lang.reflect.Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
            Object ignored = handlerClass.getField("SIG_IGN").get(null);
            if (handle.invoke(null, signal, handler) == ignored) {
                // Started with SIGHUP ignored (nohup): the JVM kept it ignored and installed nothing.
                if (!HangupDisposition.restoreDefault() || handle.invoke(null, signal, handler) == ignored) {
                    LOG.warn("SIGHUP is ignored by this process (started under nohup?) and could not be taken "
                            + "back; reload with `dispatcher reload`");
                    return false;
                }
                LOG.info("SIGHUP was ignored when the process started (nohup?); it reloads the configuration now");
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("SIGHUP reload not available in this JVM ({}); use `dispatcher reload`", e.toString());
            return false;
        }
    }
}
