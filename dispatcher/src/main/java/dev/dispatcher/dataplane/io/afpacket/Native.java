package dev.dispatcher.dataplane.io.afpacket;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The kernel ABI this package uses: constants, struct layouts and libc downcalls. Values and
 * layouts follow {@code linux/if_packet.h}, {@code linux/filter.h}, {@code linux/if_ether.h},
 * {@code asm-generic/socket.h}, {@code sys/mman.h} and {@code poll.h} on x86-64 and arm64 (LP64,
 * little-endian); {@code NativeLayoutTest} checks every size and offset against the headers.
 *
 * <p>Every downcall captures {@code errno} into a caller-owned segment ({@link #newErrnoState}),
 * so each thread that makes calls owns one and nothing is shared on the hot path.
 */
@SuppressWarnings("restricted") // The whole point of this class: enabled by --enable-native-access.
final class Native {
    private Native() {
    }

    // Address families, socket types, protocols (sys/socket.h, linux/if_ether.h).
    static final int AF_PACKET = 17;
    static final int SOCK_RAW = 3;
    /** ETH_P_ALL (0x0003) in network byte order, as socket() and sockaddr_ll want it. */
    static final short ETH_P_ALL_BE = (short) 0x0300;
    /** Protocol 0: the socket is never hooked into the receive path (send-only sockets). */
    static final short PROTO_NONE = 0;

    // setsockopt levels and options (asm-generic/socket.h, linux/if_packet.h).
    static final int SOL_SOCKET = 1;
    static final int SO_ATTACH_FILTER = 26;
    static final int SOL_PACKET = 263;
    static final int PACKET_RX_RING = 5;
    static final int PACKET_STATISTICS = 6;
    static final int PACKET_VERSION = 10;
    static final int PACKET_TX_RING = 13;
    static final int PACKET_LOSS = 14;
    static final int PACKET_QDISC_BYPASS = 20;
    static final int PACKET_IGNORE_OUTGOING = 23;
    static final int PACKET_FANOUT = 18;
    /** The group's steering program (struct sock_fprog) for PACKET_FANOUT_CBPF. */
    static final int PACKET_FANOUT_DATA = 22;
    static final int TPACKET_V2 = 1;
    static final int TPACKET_V3 = 2;

    // PACKET_FANOUT argument: group id in the low 16 bits, mode and flags in the high 16.
    static final int PACKET_FANOUT_HASH = 0;
    static final int PACKET_FANOUT_CBPF = 6;
    static final int PACKET_FANOUT_FLAG_UNIQUEID = 0x2000;
    static final int PACKET_FANOUT_FLAG_DEFRAG = 0x8000;

    // tp_status bits (linux/if_packet.h). RX: the slot belongs to the kernel while 0.
    static final int TP_STATUS_KERNEL = 0;
    static final int TP_STATUS_USER = 1;
    static final int TP_STATUS_LOSING = 1 << 2;
    static final int TP_STATUS_CSUMNOTREADY = 1 << 3;
    static final int TP_STATUS_VLAN_VALID = 1 << 4;
    static final int TP_STATUS_VLAN_TPID_VALID = 1 << 6;
    /** TPACKET_V3 block_status: the block was closed by the retire timer, not because it was full. */
    static final int TP_STATUS_BLK_TMO = 1 << 5;
    // TX: 0 = free for us; SEND_REQUEST hands the slot to the kernel; SENDING while in flight.
    static final int TP_STATUS_AVAILABLE = 0;
    static final int TP_STATUS_SEND_REQUEST = 1;
    static final int TP_STATUS_SENDING = 2;
    static final int TP_STATUS_WRONG_FORMAT = 4;

    /** TPACKET_ALIGNMENT: frames and the headers inside them are 16-byte aligned. */
    static final int TPACKET_ALIGNMENT = 16;

    // mmap and poll (sys/mman.h, poll.h).
    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 1;
    static final short POLLIN = 1;
    // eventfd(2) flags: EFD_NONBLOCK = O_NONBLOCK, EFD_CLOEXEC = O_CLOEXEC.
    static final int EFD_NONBLOCK = 0x800;
    static final int EFD_CLOEXEC = 0x80000;

    static final int EINTR = 4;
    static final int EAGAIN = 11;

    /**
     * struct tpacket2_hdr, at the start of every ring frame (32 bytes):
     * tp_status @0, tp_len @4 (wire length), tp_snaplen @8 (captured), tp_mac @12 (offset of the
     * Ethernet header from the frame start), tp_net @14, tp_sec @16, tp_nsec @20,
     * tp_vlan_tci @24, tp_vlan_tpid @26, tp_padding[4] @28.
     */
    static final StructLayout TPACKET2_HDR = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("tp_status"),
            ValueLayout.JAVA_INT.withName("tp_len"),
            ValueLayout.JAVA_INT.withName("tp_snaplen"),
            ValueLayout.JAVA_SHORT.withName("tp_mac"),
            ValueLayout.JAVA_SHORT.withName("tp_net"),
            ValueLayout.JAVA_INT.withName("tp_sec"),
            ValueLayout.JAVA_INT.withName("tp_nsec"),
            ValueLayout.JAVA_SHORT.withName("tp_vlan_tci"),
            ValueLayout.JAVA_SHORT.withName("tp_vlan_tpid"),
            MemoryLayout.sequenceLayout(4, ValueLayout.JAVA_BYTE).withName("tp_padding"));

    /**
     * struct tpacket3_hdr, at the start of every TPACKET_V3 frame (48 bytes): tp_next_offset @0
     * (from this header to the next one in the block; 0 on TX), tp_sec @4, tp_nsec @8, tp_snaplen
     * @12, tp_len @16, tp_status @20 (per frame on TX; on RX the block owns the status), tp_mac @24,
     * tp_net @26, hv1 @28 (tp_rxhash @28, tp_vlan_tci @32 as a u32, tp_vlan_tpid @36,
     * tp_padding @38), tp_padding[8] @40.
     */
    static final StructLayout TPACKET3_HDR = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("tp_next_offset"),
            ValueLayout.JAVA_INT.withName("tp_sec"),
            ValueLayout.JAVA_INT.withName("tp_nsec"),
            ValueLayout.JAVA_INT.withName("tp_snaplen"),
            ValueLayout.JAVA_INT.withName("tp_len"),
            ValueLayout.JAVA_INT.withName("tp_status"),
            ValueLayout.JAVA_SHORT.withName("tp_mac"),
            ValueLayout.JAVA_SHORT.withName("tp_net"),
            MemoryLayout.structLayout(
                    ValueLayout.JAVA_INT.withName("tp_rxhash"),
                    ValueLayout.JAVA_INT.withName("tp_vlan_tci"),
                    ValueLayout.JAVA_SHORT.withName("tp_vlan_tpid"),
                    ValueLayout.JAVA_SHORT.withName("tp_padding")).withName("hv1"),
            MemoryLayout.sequenceLayout(8, ValueLayout.JAVA_BYTE).withName("tp_padding"));

    /**
     * struct tpacket_hdr_v1, the header of a TPACKET_V3 block (40 bytes): block_status @0 (the
     * block's owner: TP_STATUS_KERNEL or TP_STATUS_USER), num_pkts @4, offset_to_first_pkt @8 (from
     * the block start), blk_len @12, seq_num @16, ts_first_pkt @24, ts_last_pkt @32.
     */
    static final StructLayout TPACKET_HDR_V1 = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("block_status"),
            ValueLayout.JAVA_INT.withName("num_pkts"),
            ValueLayout.JAVA_INT.withName("offset_to_first_pkt"),
            ValueLayout.JAVA_INT.withName("blk_len"),
            ValueLayout.JAVA_LONG.withName("seq_num"),
            MemoryLayout.sequenceLayout(2, ValueLayout.JAVA_INT).withName("ts_first_pkt"),
            MemoryLayout.sequenceLayout(2, ValueLayout.JAVA_INT).withName("ts_last_pkt"));

    /** struct tpacket_block_desc at the start of every V3 block (48 bytes): version @0, offset_to_priv @4, hdr @8. */
    static final StructLayout TPACKET_BLOCK_DESC = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("version"),
            ValueLayout.JAVA_INT.withName("offset_to_priv"),
            TPACKET_HDR_V1.withName("hdr"));

    /**
     * struct tpacket_req for PACKET_RX_RING / PACKET_TX_RING (16 bytes): tp_block_size @0,
     * tp_block_nr @4, tp_frame_size @8, tp_frame_nr @12.
     */
    static final StructLayout TPACKET_REQ = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("tp_block_size"),
            ValueLayout.JAVA_INT.withName("tp_block_nr"),
            ValueLayout.JAVA_INT.withName("tp_frame_size"),
            ValueLayout.JAVA_INT.withName("tp_frame_nr"));

    /**
     * struct tpacket_req3, what PACKET_RX_RING / PACKET_TX_RING take once PACKET_VERSION is
     * TPACKET_V3 (28 bytes): tpacket_req's four fields, then tp_retire_blk_tov @16 (milliseconds),
     * tp_sizeof_priv @20, tp_feature_req_word @24. The TX ring must leave the last three 0.
     */
    static final StructLayout TPACKET_REQ3 = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("tp_block_size"),
            ValueLayout.JAVA_INT.withName("tp_block_nr"),
            ValueLayout.JAVA_INT.withName("tp_frame_size"),
            ValueLayout.JAVA_INT.withName("tp_frame_nr"),
            ValueLayout.JAVA_INT.withName("tp_retire_blk_tov"),
            ValueLayout.JAVA_INT.withName("tp_sizeof_priv"),
            ValueLayout.JAVA_INT.withName("tp_feature_req_word"));

    /**
     * struct sockaddr_ll for bind() (20 bytes): sll_family @0, sll_protocol @2 (network order),
     * sll_ifindex @4, sll_hatype @8, sll_pkttype @10, sll_halen @11, sll_addr[8] @12.
     */
    static final StructLayout SOCKADDR_LL = MemoryLayout.structLayout(
            ValueLayout.JAVA_SHORT.withName("sll_family"),
            ValueLayout.JAVA_SHORT.withName("sll_protocol"),
            ValueLayout.JAVA_INT.withName("sll_ifindex"),
            ValueLayout.JAVA_SHORT.withName("sll_hatype"),
            ValueLayout.JAVA_BYTE.withName("sll_pkttype"),
            ValueLayout.JAVA_BYTE.withName("sll_halen"),
            MemoryLayout.sequenceLayout(8, ValueLayout.JAVA_BYTE).withName("sll_addr"));

    /** struct sock_filter, one classic BPF instruction (8 bytes): code @0, jt @2, jf @3, k @4. */
    static final StructLayout SOCK_FILTER = MemoryLayout.structLayout(
            ValueLayout.JAVA_SHORT.withName("code"),
            ValueLayout.JAVA_BYTE.withName("jt"),
            ValueLayout.JAVA_BYTE.withName("jf"),
            ValueLayout.JAVA_INT.withName("k"));

    /** struct sock_fprog for SO_ATTACH_FILTER (16 bytes): len @0, 6 bytes padding, filter @8. */
    static final StructLayout SOCK_FPROG = MemoryLayout.structLayout(
            ValueLayout.JAVA_SHORT.withName("len"),
            MemoryLayout.paddingLayout(6),
            ValueLayout.ADDRESS.withName("filter"));

    /** struct tpacket_stats for PACKET_STATISTICS (8 bytes; reading resets both): tp_packets @0, tp_drops @4. */
    static final StructLayout TPACKET_STATS = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("tp_packets"),
            ValueLayout.JAVA_INT.withName("tp_drops"));

    /** struct pollfd (8 bytes): fd @0, events @4, revents @6. */
    static final StructLayout POLLFD = MemoryLayout.structLayout(
            ValueLayout.JAVA_INT.withName("fd"),
            ValueLayout.JAVA_SHORT.withName("events"),
            ValueLayout.JAVA_SHORT.withName("revents"));

    static final long TP_STATUS = offset(TPACKET2_HDR, "tp_status");
    static final long TP_LEN = offset(TPACKET2_HDR, "tp_len");
    static final long TP_SNAPLEN = offset(TPACKET2_HDR, "tp_snaplen");
    static final long TP_MAC = offset(TPACKET2_HDR, "tp_mac");
    static final long TP_VLAN_TCI = offset(TPACKET2_HDR, "tp_vlan_tci");
    static final long TP_VLAN_TPID = offset(TPACKET2_HDR, "tp_vlan_tpid");

    /**
     * TPACKET2_HDRLEN = TPACKET_ALIGN(sizeof(tpacket2_hdr)) + sizeof(sockaddr_ll) = 52. A TX frame's
     * data starts at TPACKET2_HDRLEN - sizeof(sockaddr_ll) = 32 from the frame start (the kernel's
     * tpacket_fill_skb without PACKET_TX_HAS_OFF).
     */
    static final int TPACKET2_HDRLEN = (int) (align(TPACKET2_HDR.byteSize()) + SOCKADDR_LL.byteSize());
    static final int TX_DATA_OFFSET = TPACKET2_HDRLEN - (int) SOCKADDR_LL.byteSize();

    // TPACKET_V3 frame header fields (tpacket3_hdr) and block header fields (tpacket_block_desc).
    static final long TP3_NEXT_OFFSET = offset(TPACKET3_HDR, "tp_next_offset");
    static final long TP3_SNAPLEN = offset(TPACKET3_HDR, "tp_snaplen");
    static final long TP3_LEN = offset(TPACKET3_HDR, "tp_len");
    static final long TP3_STATUS = offset(TPACKET3_HDR, "tp_status");
    static final long TP3_MAC = offset(TPACKET3_HDR, "tp_mac");
    static final long TP3_VLAN_TCI = offset(TPACKET3_HDR, "hv1") + offset(hv1(), "tp_vlan_tci");
    static final long TP3_VLAN_TPID = offset(TPACKET3_HDR, "hv1") + offset(hv1(), "tp_vlan_tpid");
    static final long BLOCK_STATUS = offset(TPACKET_BLOCK_DESC, "hdr") + offset(TPACKET_HDR_V1, "block_status");
    static final long BLOCK_NUM_PKTS = offset(TPACKET_BLOCK_DESC, "hdr") + offset(TPACKET_HDR_V1, "num_pkts");
    static final long BLOCK_FIRST_PKT = offset(TPACKET_BLOCK_DESC, "hdr")
            + offset(TPACKET_HDR_V1, "offset_to_first_pkt");

    /**
     * TPACKET3_HDRLEN = TPACKET_ALIGN(sizeof(tpacket3_hdr)) + sizeof(sockaddr_ll) = 68; a V3 TX
     * frame's data starts at 68 - 20 = 48.
     */
    static final int TPACKET3_HDRLEN = (int) (align(TPACKET3_HDR.byteSize()) + SOCKADDR_LL.byteSize());
    static final int TX3_DATA_OFFSET = TPACKET3_HDRLEN - (int) SOCKADDR_LL.byteSize();

    static StructLayout hv1() {
        return (StructLayout) TPACKET3_HDR.select(PathElement.groupElement("hv1"));
    }

    /**
     * tp_status as a VarHandle with (segment, offset) coordinates: read with getAcquire (the
     * kernel's smp_wmb before it sets the status orders the frame bytes before it) and write with
     * setRelease (our reads and writes of the slot happen before the kernel may reuse it).
     */
    static final VarHandle STATUS = ValueLayout.JAVA_INT.varHandle();

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET = CAPTURE.byteOffset(PathElement.groupElement("errno"));

    private static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
    private static final java.lang.foreign.AddressLayout C_PTR = ValueLayout.ADDRESS;

    static final MethodHandle SOCKET = errnoCall("socket", FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT));
    static final MethodHandle SETSOCKOPT = errnoCall("setsockopt",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_PTR, C_INT));
    static final MethodHandle GETSOCKOPT = errnoCall("getsockopt",
            FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT, C_PTR, C_PTR));
    static final MethodHandle BIND = errnoCall("bind", FunctionDescriptor.of(C_INT, C_INT, C_PTR, C_INT));
    static final MethodHandle MMAP = errnoCall("mmap",
            FunctionDescriptor.of(C_PTR, C_PTR, C_LONG, C_INT, C_INT, C_INT, C_LONG));
    static final MethodHandle MUNMAP = errnoCall("munmap", FunctionDescriptor.of(C_INT, C_PTR, C_LONG));
    static final MethodHandle CLOSE = errnoCall("close", FunctionDescriptor.of(C_INT, C_INT));
    static final MethodHandle IF_NAMETOINDEX = errnoCall("if_nametoindex", FunctionDescriptor.of(C_INT, C_PTR));
    static final MethodHandle EVENTFD = errnoCall("eventfd", FunctionDescriptor.of(C_INT, C_INT, C_INT));
    static final MethodHandle WRITE = errnoCall("write", FunctionDescriptor.of(C_LONG, C_INT, C_PTR, C_LONG));
    /**
     * The hot path's downcalls, without errno capture: they only look at the return value, and a
     * capturing downcall slices its state segment on every call, which allocates whenever the JIT
     * does not inline the whole call chain (seen with TPACKET_V3, where poll() is woken more often).
     */
    static final MethodHandle POLL_HOT = plainCall("poll", FunctionDescriptor.of(C_INT, C_PTR, C_LONG, C_INT));
    static final MethodHandle SENDTO_HOT = plainCall("sendto",
            FunctionDescriptor.of(C_LONG, C_INT, C_PTR, C_LONG, C_INT, C_PTR, C_INT));
    static final MethodHandle READ_HOT = plainCall("read", FunctionDescriptor.of(C_LONG, C_INT, C_PTR, C_LONG));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LIBC.find("strerror").orElseThrow(),
            FunctionDescriptor.of(C_PTR, C_INT));

    private static MethodHandle errnoCall(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, descriptor, ERRNO);
    }

    private static MethodHandle plainCall(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(symbol, descriptor);
    }

    /** A capture-state segment for one owner; pass it first to every downcall above. */
    static MemorySegment newErrnoState(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    static int errno(MemorySegment state) {
        return state.get(ValueLayout.JAVA_INT, ERRNO_OFFSET);
    }

    /** The C library's message for an errno value, e.g. "Operation not permitted". */
    static String strerror(int errno) {
        try {
            MemorySegment message = (MemorySegment) STRERROR.invokeExact(errno);
            return message.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    static long offset(StructLayout layout, String field) {
        return layout.byteOffset(PathElement.groupElement(field));
    }

    /** TPACKET_ALIGN: rounds up to TPACKET_ALIGNMENT. */
    static long align(long value) {
        return (value + TPACKET_ALIGNMENT - 1) & -TPACKET_ALIGNMENT;
    }

    /** A downcall failed in a way no caller can handle (a bug, not an environment problem). */
    static IllegalStateException unexpected(Throwable t) {
        return new IllegalStateException("native call failed: " + t, t);
    }
}
