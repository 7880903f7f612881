package dev.dispatcher.realserver.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether this process may change addresses and sysctls, read from {@code /proc/self/status}.
 *
 * <p>Checked before anything changes: a non-root run would otherwise fail on its first write and
 * need a rollback it cannot perform either. The effective uid is what the operator understands;
 * CAP_NET_ADMIN is what the kernel checks, and a root without it (some containers) fails the same
 * way, so both are required.
 */
public record Privileges(int effectiveUid, boolean netAdmin) {
    private static final int CAP_NET_ADMIN = 12;

    public static Privileges read(Path procSelfStatus) {
        String status;
        try {
            status = Files.readString(procSelfStatus);
        } catch (IOException ex) {
            throw new SetupException("cannot read " + procSelfStatus + " to check for root: " + ex.getMessage(), ex);
        }
        return parse(status);
    }

    public static Privileges parse(String status) {
        int euid = -1;
        boolean netAdmin = false;
        for (String line : status.split("\n")) {
            String[] fields = line.trim().split("\\s+");
            if (fields[0].equals("Uid:") && fields.length >= 3) {
                euid = Integer.parseInt(fields[2]);
            } else if (fields[0].equals("CapEff:") && fields.length >= 2) {
                netAdmin = (Long.parseUnsignedLong(fields[1], 16) >>> CAP_NET_ADMIN & 1) == 1;
            }
        }
        if (euid < 0) {
            throw new SetupException("no Uid line in /proc/self/status; cannot tell whether this runs as root");
        }
        return new Privileges(euid, netAdmin);
    }

    /** Fails with one line unless this process is root with CAP_NET_ADMIN. */
    public void requireRoot(String command) {
        if (effectiveUid != 0) {
            throw new SetupException(command + " must run as root (effective uid is " + effectiveUid
                    + "); nothing was changed");
        }
        if (!netAdmin) {
            throw new SetupException(command
                    + " needs CAP_NET_ADMIN, which this root process lacks; nothing was changed");
        }
    }
}
