/**
 * Hot path. Packet I/O on Linux through memory-mapped AF_PACKET rings (TPACKET_V2, or TPACKET_V3
 * for RX in blocks: {@link dev.dispatcher.dataplane.io.afpacket.TpacketVersion}), driven with the
 * foreign function and memory API: no JNI, no copies on receive, one {@code send()} per batch on
 * transmit. {@link dev.dispatcher.dataplane.io.afpacket.AfPacketBackend} is the backend;
 * {@link dev.dispatcher.dataplane.io.afpacket.PacketSocket} owns one socket and its rings;
 * {@link dev.dispatcher.dataplane.io.afpacket.Native} holds the downcalls and the kernel ABI
 * (constants and struct layouts from {@code linux/if_packet.h}, {@code linux/filter.h});
 * {@link dev.dispatcher.dataplane.io.afpacket.ClassicBpf} builds the capture filter. In fanout mode
 * each worker polls its own member of a PACKET_FANOUT_HASH group, and the worker that owns ARP
 * also an ARP-only socket outside the group, through
 * {@link dev.dispatcher.dataplane.io.afpacket.MemberAndArpSource}: one poll() sleeps on both.
 *
 * <p>Frames are read in place: the {@link dev.dispatcher.packet.PacketBuffer} handed to the frame
 * handler wraps the ring slot itself and is valid only during the call, after which the slot goes
 * back to the kernel (V2: the frame's slot; V3: the whole block after its last frame). Ring status
 * words are read with acquire and written with release semantics. {@code PACKET_QDISC_BYPASS} is
 * on, so tcpdump on the same host does not see the frames we send (docs/PACKET-IO.md, sending past the qdisc).
 */
package dev.dispatcher.dataplane.io.afpacket;
