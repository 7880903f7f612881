/**
 * Hot path. The pcap4j backend, and the only package that imports pcap4j: live capture and send
 * through libpcap (immediate mode, inbound only, a BPF filter for ARP and the VIPs). Capture files
 * for the offline replay are read and written by {@code pcapfile}, without libpcap: its file
 * reader stops silently at a damaged record and its writer does not report write errors. pcap4j
 * copies each frame into a new Java array through JNA, so this backend
 * allocates per frame inside pcap4j; the memory-mapped AF_PACKET backend replaces it on the fast
 * path. Frames are copied once into a reused buffer so that everything after this package is
 * allocation-free.
 */
package dev.dispatcher.dataplane.io.pcap4j;
