/**
 * Control plane. What the running dispatcher offers its operators, as records and one interface,
 * {@link dev.dispatcher.control.api.ControlOperations}: the admin HTTP API serves it and the CLI
 * talks to that API. Arguments are typed ({@link dev.dispatcher.control.api.ServerRef},
 * {@link dev.dispatcher.control.api.ServiceKey}): text is parsed once, at those edges. The views
 * it returns ({@code StatusView}, {@code Explanation}) are text for people and JSON.
 */
package dev.dispatcher.control.api;
