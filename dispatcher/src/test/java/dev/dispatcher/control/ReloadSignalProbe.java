package dev.dispatcher.control;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A process for {@link ReloadSignalTest}: prints its SIGHUP disposition before and after
 * {@link ReloadSignal#install}, then whether a SIGHUP reached the handler.
 */
public final class ReloadSignalProbe {
    private ReloadSignalProbe() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("ignored before: " + hangupIgnored());
        CountDownLatch hangup = new CountDownLatch(1);
        boolean installed = ReloadSignal.install(hangup::countDown);
        System.out.println("installed: " + installed + ", ignored after: " + hangupIgnored());
        System.out.flush();
        System.out.println(hangup.await(30, TimeUnit.SECONDS) ? "reloaded" : "no SIGHUP reached the handler");
    }

    /** Bit 0 of SigIgn in /proc/self/status is SIGHUP (signal 1). */
    private static boolean hangupIgnored() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & 1) != 0;
            }
        }
        throw new IllegalStateException("no SigIgn in /proc/self/status");
    }
}
