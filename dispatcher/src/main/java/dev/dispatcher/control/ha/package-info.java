/**
 * Control plane. High availability between two dispatchers (issue 13): the authenticated
 * heartbeat the partners exchange over UDP, the shared key it is signed with, and the replay
 * window that refuses an old or repeated message. A message that fails any check is counted by
 * its reason and dropped before any of its fields is believed; only an accepted heartbeat may
 * move a role.
 */
package dev.dispatcher.control.ha;
