/**
 * Control plane. What {@code logback.xml} needs from our code: {@link dev.dispatcher.logging.LogFormat}
 * turns the operator's one setting ({@code DISPATCHER_LOG_FORMAT} or {@code -Ddispatcher.log.format})
 * into the name of an appender. The only package that imports logback; everything else logs
 * through the SLF4J API, and the hot path does not log at all.
 */
package dev.dispatcher.logging;
