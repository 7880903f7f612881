/**
 * Control plane. The dispatcher's configuration: immutable records ({@link DispatcherConfig} and
 * its parts), the YAML loader that builds them ({@link ConfigLoader}), the writer that turns them
 * back into YAML ({@link ConfigWriter}) and the small value types it parses ({@link Ipv4},
 * {@link MacAddress}, {@link Durations}, {@link ByteSizes}).
 *
 * <p>The loader is the only validator: it reads the YAML node tree (never an untyped map, so every
 * value keeps its line and column), reports every problem in the file at once as
 * {@link ConfigError}s, and either returns a complete, valid configuration or throws
 * {@link ConfigException}. Nothing downstream re-checks ranges; the records hold the limits as
 * constants so the reference documentation and the checks cannot drift apart.
 *
 * <p>Values are typed by this schema, not by YAML's tag resolution: {@code port: "80"} and
 * {@code port: 80} mean the same, and YAML 1.1 surprises (octal {@code 010}, sexagesimal MACs)
 * cannot happen because every value is parsed from its text here.
 */
package dev.dispatcher.config;
