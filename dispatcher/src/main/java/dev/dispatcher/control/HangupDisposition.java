package dev.dispatcher.control;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Gives SIGHUP back its default disposition when the process was started with it ignored
 * ({@code nohup}, some supervisors). The JVM then neither installs a handler for it nor says so:
 * {@code Signal.handle} answers "was ignored" and SIGHUP stays ignored. A daemon whose reload is
 * SIGHUP must take it back, as nginx and sshd do by installing their handlers unconditionally.
 * Called once at start, off the packet path.
 */
@SuppressWarnings("restricted") // libc signal(2), enabled by --enable-native-access like the afpacket backend.
final class HangupDisposition {
    private static final int SIGHUP = 1;
    /** SIG_ERR is (void (*)(int)) -1. */
    private static final long SIG_ERR = -1L;

    private HangupDisposition() {
    }

    /** signal(SIGHUP, SIG_DFL); true when libc accepted it. */
    static boolean restoreDefault() {
        try {
            Linker linker = Linker.nativeLinker();
            MemorySegment symbol = linker.defaultLookup().find("signal").orElse(null);
            if (symbol == null) {
                return false;
            }
            MethodHandle signal = linker.downcallHandle(symbol,
                    FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
            MemorySegment previous = (MemorySegment) signal.invokeExact(SIGHUP, MemorySegment.NULL);
            return previous.address() != SIG_ERR;
        } catch (Throwable e) {
            // No native access (the flag missing) or no libc: SIGHUP stays as it was.
            return false;
        }
    }
}
