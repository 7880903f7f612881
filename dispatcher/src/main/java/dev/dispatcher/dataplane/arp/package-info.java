/**
 * Hot path. ARP for the dispatcher: answering requests for the VIPs with our own MAC, announcing
 * the VIPs with gratuitous ARP at start, and resolving the real servers' MACs (retries while
 * unknown, periodic refresh, expiry). The neighbour table has one writer, the worker that owns ARP.
 */
package dev.dispatcher.dataplane.arp;
