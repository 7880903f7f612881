/**
 * Control plane. Flow sync between the two nodes of a high-availability pair (issue 13): each
 * node streams the flows of the clusters it serves, from its workers' event outboxes, to its
 * partner over TCP on {@code ha.listen-port}; the partner hands them to its own workers' inboxes,
 * so that after a takeover every connection finds its entry. A stream starts with a bulk copy of
 * the whole table; every frame is signed with HMAC-SHA256 under the pair's key and a nonce of the
 * receiver's, and numbered, so that nothing forged, replayed or reordered is applied. See
 * docs/HA.md for the protocol.
 */
package dev.dispatcher.control.sync;
