package dev.dispatcher.realserver.kernel;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@link KernelState} from {@code /proc/sys} and {@code ip -json addr show} of the current
 * network namespace.
 */
public final class KernelStateReader {
    private final ProcSys procSys;
    private final IpTool ip;

    public KernelStateReader(ProcSys procSys, IpTool ip) {
        this.procSys = procSys;
        this.ip = ip;
    }

    /**
     * Reads the given keys (skipping ones this kernel lacks) plus {@link KernelState#CONF_NAMES} of
     * {@code all} and of every interface.
     */
    public KernelState read(Collection<String> keys) {
        List<NetLink> links = ip.links();
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : keys) {
            if (procSys.exists(key)) {
                values.put(key, procSys.read(key));
            }
        }
        List<String> ifaces = procSys.interfaces();
        for (String iface : ifaces) {
            readConf(values, iface);
        }
        readConf(values, "all");
        List<String> nonLoopback = ifaces.stream()
                .filter(name -> links.stream().noneMatch(l -> l.name().equals(name) && l.loopback()))
                .filter(name -> !name.equals("lo"))
                .toList();
        return new KernelState(values, nonLoopback, links);
    }

    private void readConf(Map<String, String> values, String iface) {
        for (String name : KernelState.CONF_NAMES) {
            String key = ProcSys.confKey(iface, name);
            // An interface can vanish between listing and reading; it then has nothing to check.
            if (procSys.exists(key)) {
                values.put(key, procSys.read(key));
            }
        }
    }
}
