/**
 * Control plane. The admin HTTP API ({@link dev.dispatcher.admin.AdminServer}) that serves
 * {@link dev.dispatcher.control.api.ControlOperations} as JSON on an embedded Jetty, bounded so
 * that no client can hold up the others ({@link dev.dispatcher.admin.AdminLimits}),
 * the bearer token that every change must present ({@link dev.dispatcher.admin.TokenFile}), and
 * the client the command line uses ({@link dev.dispatcher.admin.AdminClient}). Nothing here runs
 * per packet; the endpoints are described in {@code docs/ADMIN-API.md}.
 */
package dev.dispatcher.admin;
