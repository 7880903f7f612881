/**
 * Hot path. The per-packet decision: the {@link dev.dispatcher.dataplane.forward.Forwarder}, a row
 * of named stages (parse, classify, look up, schedule, rewrite and send) that turns each frame into
 * one verdict and rewrites the MACs of the frames it forwards; the per-worker schedulers; and the
 * per-worker counters, written by the worker alone and read by others with acquire loads.
 */
package dev.dispatcher.dataplane.forward;
