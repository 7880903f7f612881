/**
 * Control plane. The admin HTTP API ({@link dev.dispatcher.admin.AdminServer}) that serves
 * {@link dev.dispatcher.control.api.ControlOperations} as JSON on the JDK's built-in HTTP server,
 * the bearer token that every change must present ({@link dev.dispatcher.admin.TokenFile}), and
 * the client the command line uses ({@link dev.dispatcher.admin.AdminClient}). Nothing here runs
 * per packet; the endpoints are described in {@code docs/ADMIN-API.md}.
 */
package dev.dispatcher.admin;
