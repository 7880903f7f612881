/**
 * Hot path. Capture files for the offline replay: classic pcap (draft-ietf-opsawg-pcap: a 24-byte file
 * header, a 16-byte header per record, either byte order, microsecond or nanosecond timestamps),
 * read and written in plain Java: {@link dev.dispatcher.dataplane.io.pcapfile.PcapFileSource}
 * checks every header field it relies on and names the record and byte offset of any damage;
 * {@link dev.dispatcher.dataplane.io.pcapfile.PcapFileWriter} checks every write and the close,
 * and replaces the output only when the whole run succeeded. Not libpcap through pcap4j, which
 * did this before: its reader ends silently at a damaged record without saying which, its dump
 * writer drops write errors (pcap_dump has no return value), and a command that touches no
 * interface should not need libpcap installed.
 */
package dev.dispatcher.dataplane.io.pcapfile;
