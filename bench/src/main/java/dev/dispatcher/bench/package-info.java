/**
 * Benchmarks (JMH) of the per-packet path, run all at once by {@code bench/jmh.sh}, which has
 * {@link dev.dispatcher.bench.JmhReport} write {@code bench/JMH-RESULTS.md}. Figures are read as
 * ratios to the parse baseline ({@link dev.dispatcher.bench.CodecBenchmark}) measured in the same
 * run, because the machines here are shared and noisy; every benchmark must allocate nothing.
 */
package dev.dispatcher.bench;
