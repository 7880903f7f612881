/**
 * Hot path. Flyweight codecs that read and write Ethernet (with 802.1Q/802.1ad tags), ARP, IPv4,
 * TCP and UDP headers in place over a {@link dev.dispatcher.packet.PacketBuffer}.
 *
 * <p>Byte order and unsigned handling live here and nowhere else: the rest of the dispatcher sees
 * IPv4 addresses as {@code int}, MAC addresses as {@code long} (48 bits) and ports as {@code int}.
 * Nothing in this package allocates after construction, and malformed input never throws: each
 * {@code wrap} reports whether the header fits and is well formed, and callers turn that into a
 * verdict. Depends on nothing but {@code java.lang.foreign}.
 */
package dev.dispatcher.packet;
