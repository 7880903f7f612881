/**
 * Control plane. The health advisors: each real server of a port with an advisor is probed on its
 * own address (never through the VIP) by a {@link dev.dispatcher.health.Prober} (TCP connect, HTTP
 * or HTTPS request, or a script), and a {@link dev.dispatcher.health.HealthState} turns the stream
 * of probe results into an up/down verdict with separate rise and fall counts, so one lost probe
 * does not take a server out and one lucky probe does not bring it back.
 *
 * <p>{@link dev.dispatcher.health.HealthChecker} runs one virtual thread per target and tells its
 * {@link dev.dispatcher.health.HealthListener} about transitions only, never about single probes
 * (as Seesaw's healthcheck does); it logs one line per transition and nothing per probe. Every
 * probe is bounded by its advisor's timeouts, so a server that accepts and never answers delays
 * only its own verdict.
 */
package dev.dispatcher.health;
