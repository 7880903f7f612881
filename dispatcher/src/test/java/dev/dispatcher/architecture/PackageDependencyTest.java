package dev.dispatcher.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Dependencies point one way: packet <- dataplane <- control <- admin <- cli, with config on the
 * control side; the admin API knows the control plane only through {@code control.api}. The hot
 * path never imports configuration, control, logging or metrics types, and pcap4j lives in one
 * package. Checked on the sources' import lines, so a violation names file and line.
 */
class PackageDependencyTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/dispatcher");
    private static final Pattern IMPORT = Pattern.compile("^import (static )?([\\w.]+)");

    private record Import(Path file, int line, String target) {
        @Override
        public String toString() {
            return file + ":" + line + ": " + target;
        }
    }

    private static List<Import> importsUnder(String pkg) throws IOException {
        List<Import> imports = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES.resolve(pkg.replace('.', '/')))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher m = IMPORT.matcher(lines.get(i));
                    if (m.find()) {
                        imports.add(new Import(file, i + 1, m.group(2)));
                    }
                }
            }
        }
        return imports;
    }

    private static List<Import> violations(String pkg, String... forbidden) throws IOException {
        return importsUnder(pkg).stream()
                .filter(i -> Stream.of(forbidden).anyMatch(f -> i.target().startsWith(f)))
                .toList();
    }

    @Test
    void packetDependsOnNothingOfOurs() throws IOException {
        List<Import> bad = importsUnder("packet").stream()
                .filter(i -> i.target().startsWith("dev.dispatcher.") && !i.target().startsWith("dev.dispatcher.packet."))
                .toList();
        assertEquals(List.of(), bad);
    }

    @Test
    void hotPathImportsNoControlPlaneLoggingOrMetrics() throws IOException {
        assertEquals(List.of(), violations("dataplane", "dev.dispatcher.config", "dev.dispatcher.control",
                "dev.dispatcher.admin", "dev.dispatcher.cli", "org.slf4j", "ch.qos.logback", "io.micrometer", "java.util.logging", "picocli",
                "org.snakeyaml", "com.fasterxml.jackson", "com.sun.net.httpserver"));
    }

    @Test
    void configDependsOnNoRuntimePart() throws IOException {
        assertEquals(List.of(), violations("config", "dev.dispatcher.dataplane", "dev.dispatcher.control",
                "dev.dispatcher.cli", "dev.dispatcher.packet"));
    }

    @Test
    void advisorsKnowOnlyTheirConfiguration() throws IOException {
        assertEquals(List.of(), violations("health", "dev.dispatcher.dataplane", "dev.dispatcher.control",
                "dev.dispatcher.cli", "dev.dispatcher.packet"));
    }

    @Test
    void controlDoesNotReachUpToTheCli() throws IOException {
        assertEquals(List.of(), violations("control", "dev.dispatcher.cli", "picocli"));
    }

    @Test
    void theAdminApiServesTheControlContractOnly() throws IOException {
        List<Import> bad = importsUnder("admin").stream()
                .filter(i -> i.target().startsWith("dev.dispatcher.control.") && !i.target().startsWith("dev.dispatcher.control.api."))
                .toList();
        assertEquals(List.of(), bad);
        assertEquals(List.of(), violations("admin", "dev.dispatcher.cli", "picocli", "dev.dispatcher.dataplane",
                "dev.dispatcher.packet"));
    }

    @Test
    void pcap4jLivesInOnePackage() throws IOException {
        List<Import> all = importsUnder("");
        List<Import> pcap4j = all.stream().filter(i -> i.target().startsWith("org.pcap4j")).toList();
        assertTrue(!pcap4j.isEmpty(), "the pcap4j backend exists");
        assertEquals(List.of(), pcap4j.stream()
                .filter(i -> !i.file().startsWith(SOURCES.resolve("dataplane/io/pcap4j"))).toList());
    }

    @Test
    void logbackIsConfiguredInOnePackageAndUsedThroughSlf4jElsewhere() throws IOException {
        List<Import> logback = importsUnder("").stream().filter(i -> i.target().startsWith("ch.qos.logback")).toList();
        assertEquals(List.of(), logback.stream()
                .filter(i -> !i.file().startsWith(SOURCES.resolve("logging"))).toList());
    }

    @Test
    void nativeDowncallsLiveInOneClass() throws IOException {
        // Linker is where restricted native access starts; everything else uses Native's handles.
        List<Import> linker = importsUnder("").stream()
                .filter(i -> i.target().equals("java.lang.foreign.Linker") || i.target().equals("java.lang.foreign.SymbolLookup"))
                .toList();
        assertTrue(!linker.isEmpty(), "the afpacket backend makes downcalls");
        assertEquals(List.of(), linker.stream()
                .filter(i -> !i.file().equals(SOURCES.resolve("dataplane/io/afpacket/Native.java"))).toList());
    }

    @Test
    void everyPackageSaysWhatLivesThereAndOnWhichSide() throws IOException {
        try (Stream<Path> dirs = Files.walk(SOURCES)) {
            for (Path dir : dirs.filter(Files::isDirectory).toList()) {
                boolean hasSources;
                try (Stream<Path> files = Files.list(dir)) {
                    hasSources = files.anyMatch(f -> f.toString().endsWith(".java"));
                }
                if (!hasSources) {
                    continue;
                }
                Path info = dir.resolve("package-info.java");
                assertTrue(Files.exists(info), "missing " + info);
                String text = Files.readString(info);
                assertTrue(text.contains("Hot path.") || text.contains("Control plane."),
                        info + " starts with \"Hot path.\" or \"Control plane.\"");
            }
        }
    }
}
