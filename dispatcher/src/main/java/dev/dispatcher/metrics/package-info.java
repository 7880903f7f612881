/**
 * Control plane. Prometheus metrics through Micrometer: function counters and gauges that read the
 * data plane's plain per-worker counters at scrape time (the hot path never calls Micrometer), and
 * the catalog of every metric name the dispatcher exposes, which the dashboards and alert rules
 * under deploy/ are checked against.
 */
package dev.dispatcher.metrics;
