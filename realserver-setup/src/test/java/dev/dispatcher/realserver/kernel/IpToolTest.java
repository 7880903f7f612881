package dev.dispatcher.realserver.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IpToolTest {

    /**
     * A label is one argument even when it holds a space: the
     * kernel accepts any label that starts with the device name.
     */
    @Test
    void eachFieldOfAnAddressIsOneArgument() {
        List<List<String>> calls = new ArrayList<>();
        IpTool ip = new IpTool(Path.of("/usr/sbin/ip"), argv -> {
            calls.add(argv);
            return new CommandRunner.Result(0, "", "");
        });
        ip.delete(new InterfaceAddress("lo", Ipv4Address.parse("198.18.1.100"), 32, "global", "lo:a dev eth1"));
        assertEquals(List.of(List.of("/usr/sbin/ip", "-4", "addr", "del", "198.18.1.100/32", "dev", "lo", "scope",
                "global", "label", "lo:a dev eth1")), calls);
    }
}
