package dev.dispatcher.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.status.Status;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The shipped {@code logback.xml} (from the classpath, as the jar carries it), configured into a
 * fresh logger context: its one appender is redirected from stderr into memory, and the lines it
 * writes are checked in both formats.
 */
class LogbackConfigTest {
    private static final String DISPATCHER_LOGGER = "dev.dispatcher.control.Dispatcher";
    private static final String TEXT_LINE = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(Z|[+-]\\d{2}:\\d{2}) ";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A configured context and what its console appender writes. */
    private record Configured(LoggerContext context, ByteArrayOutputStream out) {
        List<String> lines() {
            String text = out.toString(StandardCharsets.UTF_8);
            assertTrue(text.isEmpty() || text.endsWith("\n"), "every line ends: " + text);
            return text.isEmpty() ? List.of() : List.of(text.split("\n"));
        }

        Logger logger(String name) {
            return context.getLogger(name);
        }

        List<String> statusMessages(int level) {
            List<String> messages = new ArrayList<>();
            for (Status s : context.getStatusManager().getCopyOfStatusList()) {
                if (s.getLevel() >= level) {
                    messages.add(s.getMessage());
                }
            }
            return messages;
        }
    }

    private static Configured configure(Map<String, String> contextProperties) throws JoranException {
        URL shipped = LogbackConfigTest.class.getResource("/logback.xml");
        assertEquals("file", shipped.getProtocol(), "logback.xml comes from our resources, not a jar: " + shipped);
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter()); // what slf4j's provider does for the real context
        contextProperties.forEach(context::putProperty);
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(shipped);

        List<Appender<ILoggingEvent>> appenders = new ArrayList<>();
        context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders().forEachRemaining(appenders::add);
        assertEquals(1, appenders.size(), "one appender on the root logger: " + appenders);
        ConsoleAppender<?> console = assertInstanceOf(ConsoleAppender.class, appenders.getFirst());
        assertEquals("System.err", console.getTarget(), "logs go to stderr, command output to stdout");
        assertTrue(console.isStarted());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        console.setOutputStream(out);
        return new Configured(context, out);
    }

    private static void assertTextLine(String line, String levelAndLogger, String message) {
        assertTrue(line.matches(TEXT_LINE + java.util.regex.Pattern.quote(levelAndLogger + " " + message)),
                "ISO time, level, logger short name, message: " + line);
    }

    private static JsonNode assertJsonLine(String line, String level, String logger, String message)
            throws IOException {
        JsonNode event = JSON.readTree(line);
        assertEquals(level, event.path("level").asText(), line);
        assertEquals(logger, event.path("loggerName").asText(), line);
        assertEquals(message, event.path("formattedMessage").asText(), line);
        assertTrue(event.path("timestamp").canConvertToLong(), "epoch milliseconds: " + line);
        return event;
    }

    @Test
    void textIsOneHumanLinePerEvent() throws Exception {
        Configured c = configure(Map.of("dispatcher.log.format", "text"));
        c.logger(DISPATCHER_LOGGER).info("answering ARP for VIP {}", "198.18.0.100");
        c.logger("dev.dispatcher.admin.TokenFile").warn("no admin token configured");

        List<String> lines = c.lines();
        assertEquals(2, lines.size(), lines.toString());
        assertTextLine(lines.get(0), "INFO  [Dispatcher]", "answering ARP for VIP 198.18.0.100");
        assertTextLine(lines.get(1), "WARN  [TokenFile]", "no admin token configured");
        assertEquals(List.of(), c.statusMessages(Status.WARN));
    }

    @Test
    void jsonIsOneObjectPerLineWithLevelLoggerAndMessage() throws Exception {
        Configured c = configure(Map.of("dispatcher.log.format", "json"));
        c.logger(DISPATCHER_LOGGER).info("answering ARP for VIP {}", "198.18.0.100");
        c.logger("dev.dispatcher.health.HealthChecker").warn("real server {} down: {}", "198.18.0.12",
                "HTTP 503 \"busy\"", new IllegalStateException("probe failed"));

        List<String> lines = c.lines();
        assertEquals(2, lines.size(), "JSON lines: no array brackets, no header: " + lines);
        JsonNode first = assertJsonLine(lines.get(0), "INFO", DISPATCHER_LOGGER, "answering ARP for VIP 198.18.0.100");
        assertTrue(first.path("threadName").isTextual(), lines.get(0));
        assertTrue(first.path("context").isMissingNode(), "the context is left out: " + lines.get(0));
        JsonNode second = assertJsonLine(lines.get(1), "WARN", "dev.dispatcher.health.HealthChecker",
                "real server 198.18.0.12 down: HTTP 503 \"busy\"");
        assertEquals("probe failed", second.path("throwable").path("message").asText(), lines.get(1));
        assertEquals(List.of(), c.statusMessages(Status.WARN));
    }

    @Test
    void theSettingIgnoresCaseAndAnUnknownValueFallsBackToTextWithOneLineOnStderr() throws Exception {
        Configured upper = configure(Map.of("dispatcher.log.format", " JSON "));
        upper.logger(DISPATCHER_LOGGER).info("hello");
        assertJsonLine(upper.lines().getFirst(), "INFO", DISPATCHER_LOGGER, "hello");

        PrintStream stderr = System.err;
        ByteArrayOutputStream warning = new ByteArrayOutputStream();
        Configured typo;
        System.setErr(new PrintStream(warning, true, StandardCharsets.UTF_8));
        try {
            typo = configure(Map.of("dispatcher.log.format", "jsn"));
        } finally {
            System.setErr(stderr);
        }
        typo.logger(DISPATCHER_LOGGER).info("hello");
        assertTextLine(typo.lines().getFirst(), "INFO  [Dispatcher]", "hello");
        assertEquals("dispatcher: warning: unknown log format \"jsn\" "
                + "(DISPATCHER_LOG_FORMAT or -Ddispatcher.log.format);"
                + " use json or text; logging as text\n", warning.toString(StandardCharsets.UTF_8));
        // No warning status: logback would print its whole status list on stdout at start.
        assertEquals(List.of(), typo.statusMessages(Status.WARN));
    }

    @Test
    void theSystemPropertySelectsJson() throws Exception {
        String before = System.getProperty("dispatcher.log.format");
        System.setProperty("dispatcher.log.format", "json");
        try {
            Configured c = configure(Map.of());
            c.logger(DISPATCHER_LOGGER).info("hello");
            assertJsonLine(c.lines().getFirst(), "INFO", DISPATCHER_LOGGER, "hello");
        } finally {
            if (before == null) {
                System.clearProperty("dispatcher.log.format");
            } else {
                System.setProperty("dispatcher.log.format", before);
            }
        }
    }

    @Test
    void withoutTheSettingTheEnvironmentVariableDecidesAndTextIsTheDefault() throws Exception {
        // The test cannot unset the environment variable of its own JVM; it checks what it finds.
        String env = System.getenv("DISPATCHER_LOG_FORMAT");
        LogFormat expected = new LogFormat();
        expected.setRequested(env);
        Configured c = configure(Map.of());
        c.logger(DISPATCHER_LOGGER).info("hello");
        String line = c.lines().getFirst();
        if (expected.getPropertyValue().equals(LogFormat.JSON)) {
            assertJsonLine(line, "INFO", DISPATCHER_LOGGER, "hello");
        } else {
            assertTextLine(line, "INFO  [Dispatcher]", "hello");
        }
    }

    @Test
    void pcap4jHandleChatterIsHiddenAndOurInfoIsShown() throws Exception {
        Configured c = configure(Map.of("dispatcher.log.format", "text"));
        assertEquals(Level.WARN, c.logger("org.pcap4j.core.PcapHandle").getEffectiveLevel());
        assertEquals(Level.INFO, c.logger(DISPATCHER_LOGGER).getEffectiveLevel());
        c.logger("org.pcap4j.core.PcapHandle").info("Closed.");
        c.logger("org.pcap4j.core.PcapHandle").warn("cannot set buffer");
        List<String> lines = c.lines();
        assertEquals(1, lines.size(), lines.toString());
        assertTextLine(lines.getFirst(), "WARN  [PcapHandle]", "cannot set buffer");
    }

    @Test
    void theFormatDefinerDefaultsToText() {
        LogFormat format = new LogFormat();
        assertEquals(LogFormat.TEXT, format.getPropertyValue());
        format.setRequested("  ");
        assertEquals(LogFormat.TEXT, format.getPropertyValue());
        format.setRequested("Json");
        assertEquals(LogFormat.JSON, format.getPropertyValue());
    }
}
