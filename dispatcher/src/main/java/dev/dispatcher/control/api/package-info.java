/**
 * Control plane. What the running dispatcher offers its operators, as plain records and one
 * interface, {@link dev.dispatcher.control.api.ControlOperations}: the admin HTTP API serves it and
 * the CLI talks to that API. Addresses are dotted strings here: this is the outside view.
 */
package dev.dispatcher.control.api;
