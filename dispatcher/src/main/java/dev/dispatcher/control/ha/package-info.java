/**
 * Control plane. High availability between two dispatchers (issue 13): the authenticated
 * heartbeat the partners exchange over UDP, the shared key it is signed with, and the replay
 * window that refuses an old or repeated message. A message that fails any check is counted by
 * its reason and dropped before any of its fields is believed; only an accepted heartbeat may
 * move a role.
 *
 * <p>{@link dev.dispatcher.control.ha.HaStateMachine} decides which cluster groups
 * ({@link dev.dispatcher.control.ha.HaGroups}) this node serves from those heartbeats and from the
 * partner's ARP seen on the segment; it is pure (no clock, no I/O), so every transition is tested
 * on its own and a simulated pair checks that each group ends with exactly one owner.
 */
package dev.dispatcher.control.ha;
