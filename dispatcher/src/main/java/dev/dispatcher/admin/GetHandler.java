package dev.dispatcher.admin;

import dev.dispatcher.control.api.ControlException;

/**
 * An extra read-only endpoint, added with {@link AdminServer#addGetHandler}: for example the
 * Prometheus exposition at {@code /metrics}. It needs no token, like every GET. A
 * {@link ControlException} becomes 404, 400 or 409 as for the built-in endpoints; any other
 * exception becomes 500.
 */
@FunctionalInterface
public interface GetHandler {
    AdminReply handle(AdminRequest request) throws ControlException;
}
