package dev.dispatcher.realserver.state;

/**
 * A sysctl {@code apply} changed: the value it found ({@code original}, what {@code remove}
 * restores) and the value it set ({@code applied}, so {@code remove} can tell whether someone
 * changed it since and must be left alone).
 */
public record SysctlRecord(String key, String original, String applied) {}
