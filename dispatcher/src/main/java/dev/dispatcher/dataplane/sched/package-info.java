/** Hot path. Schedulers that pick a real server for a new flow. */
package dev.dispatcher.dataplane.sched;
