/**
 * Hot path. The flow table: 5-tuple to real server, with TCP-state-aware idle timeouts, bounded
 * capacity and incremental expiry whose cost per call does not grow with the table size.
 */
package dev.dispatcher.dataplane.conntrack;
