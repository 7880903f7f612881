package dev.dispatcher.netns;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The far end of a link for the contract test: a plain AF_PACKET SOCK_RAW socket (no rings, no BPF,
 * no libpcap), so that it shares no code with either backend under test. It sends frames as they
 * are and receives every incoming frame with its 802.1Q tag put back from PACKET_AUXDATA (the
 * kernel takes the outer tag out of the frame before any packet socket sees it). Its own sends are
 * never received (PACKET_IGNORE_OUTGOING). The socket belongs to the network namespace of the
 * thread that opens it.
 */
@SuppressWarnings("restricted")
final class RawSocket implements AutoCloseable {
    private static final int AF_PACKET = 17;
    private static final int SOCK_RAW = 3;
    private static final short ETH_P_ALL_BE = 0x0300;
    private static final int SOL_PACKET = 263;
    private static final int PACKET_AUXDATA = 8;
    private static final int PACKET_IGNORE_OUTGOING = 23;
    private static final int PACKET_OUTGOING = 4;
    private static final int TP_STATUS_VLAN_VALID = 0x10;
    private static final int TP_STATUS_VLAN_TPID_VALID = 0x40;
    private static final int MSG_DONTWAIT = 0x40;
    private static final short POLLIN = 1;
    private static final int FRAME_BUFFER = 65_536;
    private static final int SOCKADDR_LL = 20;
    private static final int CONTROL_BUFFER = 64;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final MemoryLayout ERRNO = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_VALUE = ERRNO.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    private static final MethodHandle SOCKET = handle("socket", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle IF_NAMETOINDEX = handle("if_nametoindex",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle BIND = handle("bind", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle SETSOCKOPT = handle("setsockopt", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle SEND = handle("send", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT), CAPTURE_ERRNO);
    private static final MethodHandle RECVMSG = handle("recvmsg", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle POLL = handle("poll", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT));

    private final Arena arena = Arena.ofShared();
    private final int fd;
    private final MemorySegment errno = arena.allocate(ERRNO);
    private final MemorySegment frame = arena.allocate(FRAME_BUFFER);
    private final MemorySegment name = arena.allocate(SOCKADDR_LL);
    private final MemorySegment control = arena.allocate(CONTROL_BUFFER, 8);
    private final MemorySegment iov = arena.allocate(16, 8);
    private final MemorySegment msg = arena.allocate(56, 8);
    private final MemorySegment pollFd = arena.allocate(8, 4);
    private final MemorySegment sendBuffer = arena.allocate(FRAME_BUFFER);

    private RawSocket(int fd) {
        this.fd = fd;
    }

    /** A raw socket bound to {@code interfaceName} of the calling thread's network namespace. */
    static RawSocket open(String interfaceName) {
        try {
            int fd;
            try (Arena call = Arena.ofConfined()) {
                MemorySegment state = call.allocate(ERRNO);
                fd = (int) SOCKET.invokeExact(state, AF_PACKET, SOCK_RAW, (int) ETH_P_ALL_BE);
                if (fd < 0) {
                    throw new IllegalStateException("socket(AF_PACKET) failed: errno "
                            + (int) ERRNO_VALUE.get(state, 0L));
                }
            }
            RawSocket socket = new RawSocket(fd);
            try {
                socket.bind(interfaceName);
                socket.setInt(PACKET_AUXDATA, "PACKET_AUXDATA");
                socket.setInt(PACKET_IGNORE_OUTGOING, "PACKET_IGNORE_OUTGOING");
                return socket;
            } catch (RuntimeException e) {
                socket.close();
                throw e;
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private void bind(String interfaceName) throws Throwable {
        int index = (int) IF_NAMETOINDEX.invokeExact(arena.allocateFrom(interfaceName));
        if (index == 0) {
            throw new IllegalStateException("no interface " + interfaceName + " in this network namespace");
        }
        MemorySegment address = arena.allocate(SOCKADDR_LL, 4);
        address.set(ValueLayout.JAVA_SHORT, 0, (short) AF_PACKET);
        address.set(ValueLayout.JAVA_SHORT, 2, ETH_P_ALL_BE);
        address.set(ValueLayout.JAVA_INT, 4, index);
        int r = (int) BIND.invokeExact(errno, fd, address, SOCKADDR_LL);
        if (r != 0) {
            throw new IllegalStateException("bind to " + interfaceName + " failed: errno " + errno());
        }
    }

    private void setInt(int option, String what) throws Throwable {
        MemorySegment one = arena.allocateFrom(ValueLayout.JAVA_INT, 1);
        int r = (int) SETSOCKOPT.invokeExact(errno, fd, SOL_PACKET, option, one, 4);
        if (r != 0) {
            throw new IllegalStateException("setsockopt " + what + " failed: errno " + errno());
        }
    }

    /** Sends one frame as it is; returns 0 when the kernel took it whole, else the errno. */
    int send(byte[] bytes) {
        MemorySegment.copy(bytes, 0, sendBuffer, ValueLayout.JAVA_BYTE, 0, bytes.length);
        try {
            long n = (long) SEND.invokeExact(errno, fd, sendBuffer, (long) bytes.length, 0);
            if (n < 0) {
                return errno();
            }
            if (n != bytes.length) {
                throw new IllegalStateException("short send: " + n + " of " + bytes.length);
            }
            return 0;
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * Receives incoming frames until {@code expected} have arrived (or {@code timeoutMillis} have
     * passed), and then for {@code quietMillis} more, so that a frame too many is caught too.
     */
    List<byte[]> receive(int expected, long timeoutMillis, long quietMillis) {
        List<byte[]> frames = new ArrayList<>();
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (frames.size() < expected && System.nanoTime() < deadline) {
            receiveOne(frames, Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        }
        long quietEnd = System.nanoTime() + quietMillis * 1_000_000;
        while (System.nanoTime() < quietEnd) {
            receiveOne(frames, Math.max(1, (quietEnd - System.nanoTime()) / 1_000_000));
        }
        return frames;
    }

    /** Throws away whatever is queued. */
    int drain() {
        List<byte[]> frames = new ArrayList<>();
        while (receiveOne(frames, 0)) {
            // Keep reading until the queue is empty.
        }
        return frames.size();
    }

    private boolean receiveOne(List<byte[]> into, long waitMillis) {
        try {
            pollFd.set(ValueLayout.JAVA_INT, 0, fd);
            pollFd.set(ValueLayout.JAVA_SHORT, 4, POLLIN);
            pollFd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
            int ready = (int) POLL.invokeExact(pollFd, 1L, (int) Math.min(waitMillis, 1000));
            if (ready <= 0) {
                return false;
            }
            // struct iovec { void *base; size_t len; } and struct msghdr (x86_64/aarch64 LP64).
            iov.set(ValueLayout.ADDRESS, 0, frame);
            iov.set(ValueLayout.JAVA_LONG, 8, FRAME_BUFFER);
            msg.fill((byte) 0);
            msg.set(ValueLayout.ADDRESS, 0, name);
            msg.set(ValueLayout.JAVA_INT, 8, SOCKADDR_LL);
            msg.set(ValueLayout.ADDRESS, 16, iov);
            msg.set(ValueLayout.JAVA_LONG, 24, 1);
            msg.set(ValueLayout.ADDRESS, 32, control);
            msg.set(ValueLayout.JAVA_LONG, 40, CONTROL_BUFFER);
            long n = (long) RECVMSG.invokeExact(fd, msg, MSG_DONTWAIT);
            if (n < 0) {
                return false;
            }
            int packetType = Byte.toUnsignedInt(name.get(ValueLayout.JAVA_BYTE, 10));
            if (packetType == PACKET_OUTGOING) {
                return true;
            }
            into.add(withVlanTag(frame.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE)));
            return true;
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Puts the outer 802.1Q tag back that the kernel reported in PACKET_AUXDATA. */
    private byte[] withVlanTag(byte[] bytes) {
        long controlLength = msg.get(ValueLayout.JAVA_LONG, 40);
        long at = 0;
        while (at + 16 <= controlLength) {
            long cmsgLength = control.get(ValueLayout.JAVA_LONG, at);
            int level = control.get(ValueLayout.JAVA_INT, at + 8);
            int type = control.get(ValueLayout.JAVA_INT, at + 12);
            if (cmsgLength < 16) {
                break;
            }
            if (level == SOL_PACKET && type == PACKET_AUXDATA) {
                // struct tpacket_auxdata: status, len, snaplen (u32), mac, net, vlan_tci, vlan_tpid (u16).
                int status = control.get(ValueLayout.JAVA_INT, at + 16);
                if ((status & TP_STATUS_VLAN_VALID) == 0 || bytes.length < 12) {
                    return bytes;
                }
                int tci = Short.toUnsignedInt(control.get(ValueLayout.JAVA_SHORT, at + 16 + 16));
                int tpid = (status & TP_STATUS_VLAN_TPID_VALID) != 0
                        ? Short.toUnsignedInt(control.get(ValueLayout.JAVA_SHORT, at + 16 + 18)) : 0x8100;
                byte[] tagged = new byte[bytes.length + 4];
                System.arraycopy(bytes, 0, tagged, 0, 12);
                tagged[12] = (byte) (tpid >>> 8);
                tagged[13] = (byte) tpid;
                tagged[14] = (byte) (tci >>> 8);
                tagged[15] = (byte) tci;
                System.arraycopy(bytes, 12, tagged, 16, bytes.length - 12);
                return tagged;
            }
            at += (cmsgLength + 7) & ~7L;
        }
        return bytes;
    }

    private int errno() {
        return (int) ERRNO_VALUE.get(errno, 0L);
    }

    @Override
    public void close() {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
            assert ignored == 0;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        } finally {
            arena.close();
        }
    }

    private static MethodHandle handle(String function, FunctionDescriptor descriptor, Linker.Option... options) {
        return LINKER.downcallHandle(LIBC.find(function).orElseThrow(), descriptor, options);
    }
}
