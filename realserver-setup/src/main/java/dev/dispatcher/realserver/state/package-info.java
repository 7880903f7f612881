/**
 * Control plane. The record of what {@code apply} changed (values replaced, VIPs and labels
 * added, boot files written) and the state file that keeps it between runs, so that
 * {@code remove} restores exactly that.
 */
package dev.dispatcher.realserver.state;
