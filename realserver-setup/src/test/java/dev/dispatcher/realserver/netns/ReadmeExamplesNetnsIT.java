package dev.dispatcher.realserver.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.realserver.kernel.IpTool;
import dev.dispatcher.realserver.netns.NetnsLab.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the README's examples, in order, in a fresh lab and requires the output the README shows,
 * so the documentation cannot drift from the command. Each {@code console} block holds
 * {@code rs# COMMAND} lines, each followed by its expected output.
 */
class ReadmeExamplesNetnsIT {
    private static final String PROMPT = "rs# ";
    private static final String JAR_IN_README = "java -jar realserver-setup/target/realserver-setup.jar";
    private static final String STATE_IN_README = "/tmp/rss-demo";

    @TempDir
    Path tmp;

    record Example(String command, String expected) {}

    static List<Example> examples(String readme) {
        List<Example> examples = new ArrayList<>();
        boolean inConsole = false;
        String command = null;
        StringBuilder expected = new StringBuilder();
        for (String line : readme.split("\n", -1)) {
            if (!inConsole) {
                inConsole = line.equals("```console");
                continue;
            }
            if (line.equals("```") || line.startsWith(PROMPT)) {
                if (command != null) {
                    examples.add(new Example(command, expected.toString()));
                }
                command = line.startsWith(PROMPT) ? line.substring(PROMPT.length()) : null;
                expected.setLength(0);
                inConsole = !line.equals("```");
            } else {
                expected.append(line).append('\n');
            }
        }
        return examples;
    }

    @BeforeAll
    static void capable() {
        NetnsLab.requireCapable();
    }

    @Test
    @SuppressWarnings("try") // the lab is needed for its namespaces, never read
    void theReadmeExamplesPrintWhatTheReadmeShows() throws IOException {
        List<Example> examples = examples(Files.readString(Path.of("README.md")));
        assertTrue(examples.size() >= 15, "README examples found: " + examples.size());
        String stateDir = tmp.resolve("rss-demo").toString();
        String jar = NetnsLab.JAVA + " -XX:TieredStopAtLevel=1 -jar " + NetnsLab.JAR;
        String ip = IpTool.locate(System.getenv("PATH")).orElseThrow().toString();
        try (NetnsLab lab = NetnsLab.create()) {
            for (Example example : examples) {
                String command = example.command().replace(JAR_IN_README, jar).replace(STATE_IN_README, stateDir);
                Result r = NetnsLab.in(NetnsLab.SERVER, "sh", "-c", "{ " + command + "; } 2>&1");
                String shown = r.stdout().replace(stateDir, STATE_IN_README).replace(ip + " ", "/usr/sbin/ip ");
                assertEquals(example.expected(), shown, "README example: " + example.command());
            }
        }
    }
}
