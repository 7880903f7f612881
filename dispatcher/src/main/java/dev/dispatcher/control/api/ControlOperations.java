package dev.dispatcher.control.api;

/**
 * The running dispatcher's operations, in typed arguments: the admin API and the CLI parse text
 * into them once, at the edge. Every change is checked first and applied atomically (a new
 * forwarding table is compiled and swapped in); a refused change leaves everything as it was.
 */
public interface ControlOperations {
    /** {@code addServer}'s {@code mac} when the server's MAC is to be learned by ARP. */
    long NO_MAC = -1;

    StatusView status();

    /** Adds a real server to a service; {@code mac} is {@link #NO_MAC} to learn it by ARP. */
    void addServer(ServerRef server, int weight, long mac) throws ControlException;

    /** Removes a server; its flows follow the port's on-server-down policy. */
    void removeServer(ServerRef server) throws ControlException;

    void setWeight(ServerRef server, int weight) throws ControlException;

    /** Weight 0 until set again: no new flows, existing ones continue. */
    void drain(ServerRef server) throws ControlException;

    /** Flows of the server that have not closed, across all workers. */
    long activeConnections(ServerRef server) throws ControlException;

    /** Manual override, or back to the advisor's verdict. */
    void override(ServerRef server, ServerOverride state) throws ControlException;

    /** Re-reads the configuration file; applies it only when it is valid. */
    ReloadResult reload();

    /** The running configuration as YAML (with live changes). */
    String runningConfigYaml();

    /** Writes the running configuration back to its file (like dscontrol file save); returns the path. */
    String saveConfig() throws ControlException;

    /** Where a flow from {@code client:clientPort} (IPv4) to {@code service} goes now, and why. */
    Explanation explain(int client, int clientPort, ServiceKey service) throws ControlException;

    /** This node of its high-availability pair; NOT_FOUND when the configuration has no {@code ha}. */
    HaStatusView haStatus() throws ControlException;

    /**
     * Takes every cluster the partner serves ({@code dispatcher ha takeover}); CONFLICT with the
     * reason when it may not (flow table behind, recovery auto, external role, ...). Returns what
     * was done, in one line.
     */
    String haTakeover() throws ControlException;

    /** {@code dispatcher ha role active|standby}, for {@code ha.role: external} only. */
    String haRole(boolean active) throws ControlException;
}
