/**
 * Benchmarks (JMH) of the per-packet path. Figures are reported as ratios to the parse-only
 * baseline measured in the same run, because this machine is shared and noisy.
 */
package dev.dispatcher.bench;
