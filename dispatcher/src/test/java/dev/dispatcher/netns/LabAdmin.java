package dev.dispatcher.netns;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The lab dispatcher's admin API on 127.0.0.1:9100 in its namespace: status and metrics. */
final class LabAdmin {
    private static final Pattern SAMPLE = Pattern.compile("(?m)^(\\w+)(\\{[^}]*\\})? (\\S+)$");

    private final LabFixture lab;
    private final ObjectMapper json = new ObjectMapper();

    LabAdmin(LabFixture lab) {
        this.lab = lab;
    }

    String get(String path) {
        Shell.Result r = lab.inNamespace(lab.disp(), 15, List.of("curl", "-s", "--max-time", "10",
                "http://127.0.0.1:9100" + path));
        assertTrue(r.ok(), path + ": " + r.output());
        return r.output();
    }

    /** The sum of a metric's samples whose labels contain {@code labelPart} ("" for all). */
    double metric(String name, String labelPart) {
        double sum = 0;
        Matcher m = SAMPLE.matcher(get("/metrics"));
        while (m.find()) {
            if (m.group(1).equals(name) && (m.group(2) == null ? "" : m.group(2)).contains(labelPart)) {
                sum += Double.parseDouble(m.group(3));
            }
        }
        return sum;
    }

    JsonNode status() throws IOException {
        String out = get("/status");
        return json.readTree(out.substring(out.indexOf('{')));
    }

    /** The servers of the first port of the first cluster, from the status. */
    JsonNode firstPortServers() throws IOException {
        return status().path("clusters").get(0).path("ports").get(0).path("servers");
    }
}
