package dev.dispatcher.dataplane.io.afpacket;

import dev.dispatcher.dataplane.io.PacketIoException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * One AF_PACKET SOCK_RAW socket bound to one interface, with TPACKET_V2 or TPACKET_V3 rings in one
 * mapping (RX ring first, then TX ring, as the kernel lays them out). Opening configures everything before
 * bind(), so the socket sees no frame that its filter and options would not let through.
 *
 * <p>Owned by one thread for {@link #poll} and {@link #kick}; {@link #wakeup} and {@link #drops}
 * may come from others. Closing releases the mapping through the shared arena, which waits until
 * no thread is inside an access, then closes the descriptors.
 */
@SuppressWarnings("restricted") // reinterpret() of the mmap result: its size is ours.
final class PacketSocket implements AutoCloseable {
    private final String interfaceName;
    private final Arena arena;
    private final MemorySegment errno;
    private final MemorySegment wakeErrno;
    private final MemorySegment statsErrno;
    private final MemorySegment controlErrno;
    private final MemorySegment pollFds;
    private final MemorySegment eventValue;
    private final MemorySegment wakeValue;
    private final MemorySegment stats;
    private final MemorySegment statsLength;
    private int fd = -1;
    private int eventFd = -1;
    /**
     * Descriptors {@link #await} polls: the socket and the wake-up eventfd, and a third socket
     * once {@link #alsoAwait} named one.
     */
    private long nfds = 2;
    private MemorySegment map = MemorySegment.NULL;
    private final RingGeometry rx;
    private final RingGeometry tx;
    private final TpacketVersion version;
    private final int blockTimeoutMillis;
    private long droppedTotal;

    private PacketSocket(String interfaceName, RingGeometry rx, RingGeometry tx, TpacketVersion version,
                         int blockTimeoutMillis) {
        this.interfaceName = interfaceName;
        this.rx = rx;
        this.tx = tx;
        this.version = version;
        this.blockTimeoutMillis = blockTimeoutMillis;
        this.arena = Arena.ofShared();
        this.errno = Native.newErrnoState(arena);
        this.wakeErrno = Native.newErrnoState(arena);
        this.statsErrno = Native.newErrnoState(arena);
        this.controlErrno = Native.newErrnoState(arena);
        this.pollFds = arena.allocate(Native.POLLFD, 3);
        this.eventValue = arena.allocate(ValueLayout.JAVA_LONG);
        this.wakeValue = arena.allocate(ValueLayout.JAVA_LONG);
        this.wakeValue.set(ValueLayout.JAVA_LONG, 0, 1L);
        this.stats = arena.allocate(Native.TPACKET_STATS);
        this.statsLength = arena.allocate(ValueLayout.JAVA_INT);
    }

    /**
     * Opens a socket on {@code interfaceName}. With {@code rx} non-null it receives every protocol
     * (ETH_P_ALL) through {@code filter} and can be woken from poll; without, it is send-only:
     * protocol 0 (never hooked into the receive path) and the filter should drop everything.
     */
    static PacketSocket open(String interfaceName, RingGeometry rx, RingGeometry tx,
            List<ClassicBpf.Instruction> filter) throws PacketIoException {
        return open(interfaceName, rx, tx, filter, TpacketVersion.V2, 0);
    }

    /**
     * As above, with rings of {@code version}; {@code blockTimeoutMillis} is the V3 RX ring's
     * block retire timeout (tp_retire_blk_tov), unused with V2.
     */
    static PacketSocket open(String interfaceName, RingGeometry rx, RingGeometry tx,
                             List<ClassicBpf.Instruction> filter, TpacketVersion version, int blockTimeoutMillis)
            throws PacketIoException {
        PacketSocket s = new PacketSocket(interfaceName, rx, tx, version, blockTimeoutMillis);
        try {
            s.configure(filter);
            return s;
        } catch (PacketIoException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void configure(List<ClassicBpf.Instruction> filter) throws PacketIoException {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment name = call.allocateFrom(interfaceName);
            int ifindex = (int) Native.IF_NAMETOINDEX.invokeExact(errno, name);
            if (ifindex == 0) {
                throw failure("find interface", Native.errno(errno));
            }
            // Protocol 0 at first: nothing is received until bind() names the interface and protocol.
            fd = (int) Native.SOCKET.invokeExact(errno, Native.AF_PACKET, Native.SOCK_RAW, (int) Native.PROTO_NONE);
            if (fd < 0) {
                throw failure("open AF_PACKET socket", Native.errno(errno));
            }
            setInt(call, Native.SOL_PACKET, Native.PACKET_VERSION, version.kernelValue, "select TPACKET_" + version);
            // Frames go straight to the driver: no qdisc, and tcpdump on this host does not see them.
            setInt(call, Native.SOL_PACKET, Native.PACKET_QDISC_BYPASS, 1, "set PACKET_QDISC_BYPASS");
            // Frames other sockets send on this interface (our other workers) are not captured.
            setInt(call, Native.SOL_PACKET, Native.PACKET_IGNORE_OUTGOING, 1, "set PACKET_IGNORE_OUTGOING");
            if (tx != null) {
                // A malformed TX frame is skipped (slot made available) instead of stalling the ring.
                setInt(call, Native.SOL_PACKET, Native.PACKET_LOSS, 1, "set PACKET_LOSS");
            }
            attachFilter(call, filter, errno);
            if (rx != null) {
                setRing(call, Native.PACKET_RX_RING, rx, blockTimeoutMillis, "set up the RX ring");
            }
            if (tx != null) {
                // V3 has no TX blocks: the kernel wants the retire timeout (and the rest of req3) 0 there.
                setRing(call, Native.PACKET_TX_RING, tx, 0, "set up the TX ring");
            }
            long size = (rx == null ? 0 : rx.byteSize()) + (tx == null ? 0 : tx.byteSize());
            MemorySegment address = (MemorySegment) Native.MMAP.invokeExact(errno, MemorySegment.NULL, size,
                    Native.PROT_READ | Native.PROT_WRITE, Native.MAP_SHARED, fd, 0L);
            if (address.address() == -1L) {
                throw failure("map the rings (" + size + " bytes)", Native.errno(errno));
            }
            // Closing the arena unmaps the rings, after any thread still reading them has left.
            map = address.reinterpret(size, arena, mapping -> munmap(mapping.address(), size));
            MemorySegment sll = call.allocate(Native.SOCKADDR_LL);
            sll.set(ValueLayout.JAVA_SHORT, Native.offset(Native.SOCKADDR_LL, "sll_family"), (short) Native.AF_PACKET);
            sll.set(ValueLayout.JAVA_SHORT, Native.offset(Native.SOCKADDR_LL, "sll_protocol"),
                    rx == null ? Native.PROTO_NONE : Native.ETH_P_ALL_BE);
            sll.set(ValueLayout.JAVA_INT, Native.offset(Native.SOCKADDR_LL, "sll_ifindex"), ifindex);
            int bound = (int) Native.BIND.invokeExact(errno, fd, sll, (int) Native.SOCKADDR_LL.byteSize());
            if (bound != 0) {
                throw failure("bind the AF_PACKET socket", Native.errno(errno));
            }
            if (rx != null) {
                eventFd = (int) Native.EVENTFD.invokeExact(errno, 0, Native.EFD_NONBLOCK | Native.EFD_CLOEXEC);
                if (eventFd < 0) {
                    throw failure("create the wake-up eventfd", Native.errno(errno));
                }
                long fdOffset = Native.offset(Native.POLLFD, "fd");
                long eventsOffset = Native.offset(Native.POLLFD, "events");
                long stride = Native.POLLFD.byteSize();
                pollFds.set(ValueLayout.JAVA_INT, fdOffset, fd);
                pollFds.set(ValueLayout.JAVA_SHORT, eventsOffset, Native.POLLIN);
                pollFds.set(ValueLayout.JAVA_INT, stride + fdOffset, eventFd);
                pollFds.set(ValueLayout.JAVA_SHORT, stride + eventsOffset, Native.POLLIN);
            }
        } catch (PacketIoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    private void setInt(Arena call, int level, int option, int value, String what) throws Throwable {
        MemorySegment v = call.allocateFrom(ValueLayout.JAVA_INT, value);
        int r = (int) Native.SETSOCKOPT.invokeExact(errno, fd, level, option, v, 4);
        if (r != 0) {
            throw failure(what, Native.errno(errno));
        }
    }

    /**
     * Replaces the socket's filter while it runs (the kernel swaps programs atomically: each frame
     * meets the old or the new one). Safe from any thread; not on the hot path.
     */
    synchronized void replaceFilter(List<ClassicBpf.Instruction> filter) throws PacketIoException {
        if (fd < 0) {
            return;
        }
        try (Arena call = Arena.ofConfined()) {
            attachFilter(call, filter, controlErrno);
        } catch (PacketIoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    private void attachFilter(Arena call, List<ClassicBpf.Instruction> filter, MemorySegment errno) throws Throwable {
        MemorySegment program = ClassicBpf.toSegment(filter, call);
        MemorySegment fprog = call.allocate(Native.SOCK_FPROG);
        fprog.set(ValueLayout.JAVA_SHORT, Native.offset(Native.SOCK_FPROG, "len"), (short) filter.size());
        fprog.set(ValueLayout.ADDRESS, Native.offset(Native.SOCK_FPROG, "filter"), program);
        int r = (int) Native.SETSOCKOPT.invokeExact(errno, fd, Native.SOL_SOCKET, Native.SO_ATTACH_FILTER, fprog,
                (int) Native.SOCK_FPROG.byteSize());
        if (r != 0) {
            throw failure("attach the BPF filter", Native.errno(errno));
        }
    }

    private void setRing(Arena call, int option, RingGeometry g, int retireMillis, String what) throws Throwable {
        // tpacket_req3 starts with tpacket_req's four fields; V2 reads only those (and wants that size).
        java.lang.foreign.StructLayout layout = version == TpacketVersion.V3 ? Native.TPACKET_REQ3 : Native.TPACKET_REQ;
        MemorySegment req = call.allocate(layout);
        req.set(ValueLayout.JAVA_INT, Native.offset(Native.TPACKET_REQ, "tp_block_size"), g.blockSize());
        req.set(ValueLayout.JAVA_INT, Native.offset(Native.TPACKET_REQ, "tp_block_nr"), g.blockCount());
        req.set(ValueLayout.JAVA_INT, Native.offset(Native.TPACKET_REQ, "tp_frame_size"), g.frameSize());
        req.set(ValueLayout.JAVA_INT, Native.offset(Native.TPACKET_REQ, "tp_frame_nr"), g.frameCount());
        if (version == TpacketVersion.V3) {
            req.set(ValueLayout.JAVA_INT, Native.offset(Native.TPACKET_REQ3, "tp_retire_blk_tov"), retireMillis);
        }
        int r = (int) Native.SETSOCKOPT.invokeExact(errno, fd, Native.SOL_PACKET, option, req, (int) layout.byteSize());
        if (r != 0) {
            throw failure(what + " (" + g.frameCount() + " frames of " + g.frameSize() + " bytes)",
                    Native.errno(errno));
        }
    }

    private PacketIoException failure(String what, int err) {
        String hint = switch (err) {
            case 1, 13 -> ": run as root or grant CAP_NET_RAW";
            case 12 -> ": lower io.buffer-size or raise the memory limits";
            case 19 -> ": check the interface name";
            default -> "";
        };
        return new PacketIoException("cannot " + what + " on " + interfaceName + ": " + Native.strerror(err) + hint,
                null);
    }

    /**
     * Puts this bound socket into a PACKET_FANOUT_CBPF group with PACKET_FANOUT_FLAG_DEFRAG (the
     * kernel reassembles fragments before steering, so all of a datagram lands on one socket).
     * Until a member sets the group's program ({@link #setFanoutProgram}) every frame goes to the
     * first member. {@code groupId} &lt; 0 creates a new group with an id the kernel picks
     * (FLAG_UNIQUEID, so no other process's group is joined by accident); returns the group's id.
     * Not on the hot path.
     */
    synchronized int joinFanout(int groupId) throws PacketIoException {
        int modeAndFlags = Native.PACKET_FANOUT_CBPF | Native.PACKET_FANOUT_FLAG_DEFRAG
                | (groupId < 0 ? Native.PACKET_FANOUT_FLAG_UNIQUEID : 0);
        try (Arena call = Arena.ofConfined()) {
            MemorySegment v = call.allocateFrom(ValueLayout.JAVA_INT, (modeAndFlags << 16) | Math.max(0, groupId));
            int r = (int) Native.SETSOCKOPT.invokeExact(controlErrno, fd, Native.SOL_PACKET, Native.PACKET_FANOUT, v,
                    4);
            if (r != 0) {
                throw failure("join the PACKET_FANOUT group", Native.errno(controlErrno));
            }
            MemorySegment length = call.allocateFrom(ValueLayout.JAVA_INT, 4);
            r = (int) Native.GETSOCKOPT.invokeExact(controlErrno, fd, Native.SOL_PACKET, Native.PACKET_FANOUT, v,
                    length);
            if (r != 0) {
                throw failure("read the PACKET_FANOUT group", Native.errno(controlErrno));
            }
            return v.get(ValueLayout.JAVA_INT, 0) & 0xFFFF;
        } catch (PacketIoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /**
     * Sets the steering program of this socket's fanout group: the kernel runs it on each frame
     * and hands the frame to member (result mod members). One member sets it for the whole group.
     */
    synchronized void setFanoutProgram(List<ClassicBpf.Instruction> program) throws PacketIoException {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment code = ClassicBpf.toSegment(program, call);
            MemorySegment fprog = call.allocate(Native.SOCK_FPROG);
            fprog.set(ValueLayout.JAVA_SHORT, Native.offset(Native.SOCK_FPROG, "len"), (short) program.size());
            fprog.set(ValueLayout.ADDRESS, Native.offset(Native.SOCK_FPROG, "filter"), code);
            int r = (int) Native.SETSOCKOPT.invokeExact(controlErrno, fd, Native.SOL_PACKET, Native.PACKET_FANOUT_DATA,
                    fprog, (int) Native.SOCK_FPROG.byteSize());
            if (r != 0) {
                throw failure("set the fanout group's steering program", Native.errno(controlErrno));
            }
        } catch (PacketIoException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** The whole mapping: RX ring at 0, TX ring after it. */
    MemorySegment map() {
        return map;
    }

    RingGeometry rxGeometry() {
        return rx;
    }

    RingGeometry txGeometry() {
        return tx;
    }

    TpacketVersion version() {
        return version;
    }

    long txRingOffset() {
        return rx == null ? 0 : rx.byteSize();
    }

    /**
     * Makes {@link #await} also return when {@code other}'s RX ring has a frame, so that one thread
     * can sleep on two sockets in one poll() (fanout mode: worker 0's group member and the ARP
     * socket). Call before the polling thread starts; {@code other} must stay open as long as this
     * socket (the backend closes both together).
     */
    void alsoAwait(PacketSocket other) {
        if (eventFd < 0 || other.fd < 0 || other.rx == null) {
            throw new IllegalStateException("both sockets must be open and receiving");
        }
        long stride = Native.POLLFD.byteSize();
        pollFds.set(ValueLayout.JAVA_INT, 2 * stride + Native.offset(Native.POLLFD, "fd"), other.fd);
        pollFds.set(ValueLayout.JAVA_SHORT, 2 * stride + Native.offset(Native.POLLFD, "events"), Native.POLLIN);
        nfds = 3;
    }

    /**
     * Waits up to {@code timeoutMillis} for a frame or a wake-up. Returns false when woken (the
     * caller should return to its loop) and true otherwise.
     */
    boolean await(int timeoutMillis) {
        try {
            int r = (int) Native.POLL_HOT.invokeExact(pollFds, nfds, timeoutMillis);
            if (r > 0) {
                short woken = pollFds.get(ValueLayout.JAVA_SHORT, WAKE_REVENTS);
                if (woken != 0) {
                    long ignored = (long) Native.READ_HOT.invokeExact(eventFd, eventValue, 8L);
                    return ignored < 0;
                }
            }
            return true;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** Makes a thread blocked in {@link #await} return. Safe from any thread. */
    void wakeup() {
        if (eventFd < 0) {
            return;
        }
        try {
            long ignored = (long) Native.WRITE.invokeExact(wakeErrno, eventFd, wakeValue, 8L);
            assert ignored == 8 || ignored < 0;
        } catch (IllegalStateException closed) {
            // Closed meanwhile: nobody is left to wake.
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /**
     * Asks the kernel to send every TX slot marked SEND_REQUEST. {@code wait}: return only when all
     * of them are done (their slots are free again). A failure is not reported: non-blocking with
     * frames still in flight is EAGAIN, which is fine, and errno is not captured on this path (see
     * Native.SENDTO_HOT); a frame the kernel could not send shows in its slot's status and in the
     * interface's counters.
     */
    void kick(boolean wait) {
        try {
            long ignored = (long) Native.SENDTO_HOT.invokeExact(fd, MemorySegment.NULL, 0L, wait ? 0 : MSG_DONTWAIT,
                    MemorySegment.NULL, 0);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    static final int MSG_DONTWAIT = 0x40;
    /**
     * The eventfd's revents in the pollfd array, computed once: a layout path lookup allocates, and
     * {@link #await} runs on the hot path whenever the ring had run empty.
     */
    private static final long WAKE_REVENTS = Native.POLLFD.byteSize() + Native.offset(Native.POLLFD, "revents");

    /** Frames dropped by the kernel since the socket opened (PACKET_STATISTICS resets on every read). */
    synchronized long drops() {
        if (fd < 0) {
            return droppedTotal;
        }
        try {
            statsLength.set(ValueLayout.JAVA_INT, 0, (int) Native.TPACKET_STATS.byteSize());
            int r = (int) Native.GETSOCKOPT.invokeExact(statsErrno, fd, Native.SOL_PACKET, Native.PACKET_STATISTICS,
                    stats, statsLength);
            if (r == 0) {
                droppedTotal += Integer.toUnsignedLong(stats.get(ValueLayout.JAVA_INT,
                        Native.offset(Native.TPACKET_STATS, "tp_drops")));
            }
            return droppedTotal;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    @Override
    public synchronized void close() {
        if (!arena.scope().isAlive()) {
            return;
        }
        arena.close();
        closeFd(eventFd);
        closeFd(fd);
        eventFd = -1;
        fd = -1;
    }

    /** munmap errors cannot be acted on: the descriptor is closed next either way. */
    private static void munmap(long address, long size) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = Native.newErrnoState(call);
            int ignored = (int) Native.MUNMAP.invokeExact(state, MemorySegment.ofAddress(address), size);
            assert ignored == 0;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    private static void closeFd(int descriptor) {
        if (descriptor < 0) {
            return;
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment state = Native.newErrnoState(call);
            int ignored = (int) Native.CLOSE.invokeExact(state, descriptor);
            assert ignored == 0 || ignored == -1;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }
}
