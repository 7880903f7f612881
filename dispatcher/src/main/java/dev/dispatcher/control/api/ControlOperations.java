package dev.dispatcher.control.api;

/**
 * The running dispatcher's operations. Every change is validated first and applied atomically (a
 * new forwarding table is compiled and swapped in); a refused change leaves everything as it was.
 */
public interface ControlOperations {
    StatusView status();

    /** Adds a real server to a service; {@code mac} may be null (learned by ARP). */
    void addServer(ServerRef server, int weight, String mac) throws ControlException;

    /** Removes a server; its flows follow the port's on-server-down policy. */
    void removeServer(ServerRef server) throws ControlException;

    void setWeight(ServerRef server, int weight) throws ControlException;

    /** Weight 0 until set again: no new flows, existing ones continue. */
    void drain(ServerRef server) throws ControlException;

    /** Flows of the server that have not closed, across all workers. */
    long activeConnections(ServerRef server) throws ControlException;

    /** Manual override: "up", "down" or "auto" (follow the advisor again). */
    void override(ServerRef server, String state) throws ControlException;

    /** Re-reads the configuration file; applies it only when it is valid. */
    ReloadResult reload();

    /** The running configuration as YAML (with live changes). */
    String runningConfigYaml();

    /** Writes the running configuration back to its file (like dscontrol file save); returns the path. */
    String saveConfig() throws ControlException;

    /** Where a flow from {@code clientIp:clientPort} to {@code vip:vipPort/protocol} goes now, and why. */
    Explanation explain(String clientIp, int clientPort, String vip, int vipPort, String protocol) throws ControlException;
}
