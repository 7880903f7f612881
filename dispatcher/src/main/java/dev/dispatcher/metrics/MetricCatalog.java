package dev.dispatcher.metrics;

import java.util.List;

/**
 * Every metric family the dispatcher exposes, as it appears in a Prometheus scrape, with its
 * labels. Dashboards and alert rules may use only these names (a test checks it), and a scrape of
 * a running dispatcher shows exactly these (another test checks that).
 */
public final class MetricCatalog {
    private MetricCatalog() {
    }

    /** A metric family: its sample names as scraped, its type and its label names. */
    public record Family(String name, String type, List<String> labels, List<String> samples, String help) {
    }

    private static final List<String> SERVICE_SERVER = List.of("cluster", "port", "protocol", "server");

    private static Family counter(String name, List<String> labels, String help) {
        return new Family(name, "counter", labels, List.of(name), help);
    }

    private static Family gauge(String name, List<String> labels, String help) {
        return new Family(name, "gauge", labels, List.of(name), help);
    }

    public static final List<Family> FAMILIES = List.of(
            counter("dispatcher_received_packets_total", List.of(), "Frames received from the interface"),
            counter("dispatcher_received_bytes_total", List.of(), "Bytes of frames received (wire length)"),
            counter("dispatcher_forwarded_packets_total", SERVICE_SERVER, "Frames forwarded to a real server"),
            counter("dispatcher_forwarded_bytes_total", SERVICE_SERVER, "Bytes forwarded to a real server"),
            counter("dispatcher_dropped_packets_total", List.of("reason"), "Frames dropped, by reason"),
            counter("dispatcher_passed_packets_total", List.of("reason"), "Frames handled here or not ours, by reason"),
            counter("dispatcher_connections_total", SERVICE_SERVER, "New flows scheduled to a real server"),
            gauge("dispatcher_active_connections", SERVICE_SERVER, "Flows of a real server that have not closed"),
            gauge("dispatcher_flow_table_entries", List.of(), "Flows in the flow table"),
            gauge("dispatcher_flow_table_capacity", List.of(), "Capacity of the flow table"),
            counter("dispatcher_flow_lookups_total", List.of("result"),
                    "Flow-table lookups: hit, miss_syn, miss_no_syn (state lost), rescheduled"),
            counter("dispatcher_flow_evictions_total", List.of("reason"), "Flows removed: expired, capacity"),
            counter("dispatcher_flow_capacity_evictions_total", List.of("state"),
                    "Live flows evicted to make room for new ones, by the victim's state"),
            counter("dispatcher_flow_not_inserted_total", List.of(),
                    "New flows forwarded by the Maglev table without an entry, above "
                    + "flow-table.max-new-flows-per-second"),
            gauge("dispatcher_server_state", List.of("cluster", "port", "protocol", "server", "state"),
                    "1 for the server's current state (up, down, drain, removed), else 0"),
            gauge("dispatcher_server_weight", SERVICE_SERVER, "Weight in use (0 while down or draining)"),
            gauge("dispatcher_server_max_connections", SERVICE_SERVER,
                    "Connection limit (max-connections; 0 for none): at it, no new flows"),
            counter("dispatcher_advisor_probes_total", SERVICE_SERVER, "Advisor probes run"),
            counter("dispatcher_advisor_failures_total", SERVICE_SERVER, "Advisor probes failed"),
            gauge("dispatcher_advisor_probe_duration_seconds", SERVICE_SERVER, "Duration of the last advisor probe"),
            counter("dispatcher_arp_requests_answered_total", List.of(), "ARP requests for a VIP answered"),
            counter("dispatcher_arp_gratuitous_sent_total", List.of(), "Gratuitous ARPs sent for the VIPs"),
            counter("dispatcher_arp_requests_sent_total", List.of(), "ARP requests sent to resolve real servers"),
            counter("dispatcher_arp_vip_conflicts_total", List.of(),
                    "ARP frames claiming a VIP from a MAC that is not ours "
                            + "(real server without hidden ARP, or a spoofer)"),
            gauge("dispatcher_ring_capacity", List.of(), "Slots of the pipeline ring (0 in inline and fanout mode)"),
            gauge("dispatcher_ring_occupancy", List.of(), "Slots of the pipeline ring in use"),
            counter("dispatcher_capture_kernel_drops_total", List.of(), "Frames the kernel dropped before capture"),
            counter("dispatcher_capture_checksum_not_ready_total", List.of(),
                    "Frames received with a partial checksum "
                            + "(checksum offload of a sender on this host or behind a veth)"),
            counter("dispatcher_worker_frames_total", List.of("worker"),
                    "Frames handled by each forwarding worker (in fanout mode: "
                            + "how evenly the steering hash spreads flows)"),
            new Family("dispatcher_packet_processing_seconds", "histogram", List.of(),
                    List.of("dispatcher_packet_processing_seconds_bucket", "dispatcher_packet_processing_seconds_count",
                            "dispatcher_packet_processing_seconds_sum", "dispatcher_packet_processing_seconds_max"),
                    "Per-packet processing time, sampled 1 in 1024 frames"),
            counter("dispatcher_flows_restored_total", List.of(),
                    "Flows this start took over from the last stop's snapshot"),
            counter("dispatcher_flow_restore_skipped_total", List.of("reason"),
                    "Snapshots (missing, unreadable, corrupt, truncated, version, too_old) or saved flows (pair_gone,"
                            + " expired, invalid) a start did not restore"),
            gauge("dispatcher_flow_snapshot_age_seconds", List.of(),
                    "Age of the snapshot this start restored from when it was read; -1 when none was used"),
            counter("dispatcher_config_reloads_total", List.of("result"), "Configuration reloads: success, failure"),
            gauge("dispatcher_config_last_reload_success_timestamp_seconds", List.of(),
                    "Time of the last successful configuration load (start or reload)"),
            gauge("dispatcher_config_last_reload_successful", List.of(), "1 when the last reload succeeded, else 0"),
            gauge("dispatcher_build_info", List.of("version", "java"), "Always 1; the labels say what runs"),
            gauge("dispatcher_ha_enabled", List.of(), "1 when this dispatcher is one of a high-availability pair"),
            gauge("dispatcher_ha_state", List.of("state"), "1 for the node's HA state (init, standby, active), else 0"),
            gauge("dispatcher_ha_serving", List.of("group"), "1 while this node serves the cluster group"),
            gauge("dispatcher_ha_partner_alive", List.of(),
                    "1 while the partner's heartbeats arrive within dead-after"),
            counter("dispatcher_ha_transitions_total", List.of("cause"), "Cluster groups changing hands, by cause"),
            counter("dispatcher_ha_heartbeats_sent_total", List.of(), "Heartbeats sent to the partner"),
            counter("dispatcher_ha_heartbeats_received_total", List.of(), "Heartbeats of the partner accepted"),
            counter("dispatcher_ha_heartbeats_rejected_total", List.of("reason"),
                    "Heartbeat messages refused, by reason"),
            counter("dispatcher_ha_sync_records_sent_total", List.of(), "Flow records streamed to the partner"),
            counter("dispatcher_ha_sync_records_applied_total", List.of(),
                    "Flow records of the partner's stream applied here"),
            gauge("dispatcher_ha_sync_lag_seconds", List.of(), "Age of the partner's last sync frame on arrival"),
            gauge("dispatcher_ha_sync_caught_up", List.of(), "1 while this node holds the partner's flows"),
            counter("dispatcher_ha_sync_rejected_total", List.of("reason"), "Flow sync streams refused, by reason"));

    /** Every sample name a scrape shows (histograms with their suffixes). */
    public static List<String> sampleNames() {
        return FAMILIES.stream().flatMap(f -> f.samples().stream()).sorted().toList();
    }
}
