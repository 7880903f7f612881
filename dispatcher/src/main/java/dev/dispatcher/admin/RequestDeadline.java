package dev.dispatcher.admin;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection whose request has not fully arrived {@code millis} after the connection
 * opened. An idle timeout alone would not do: a client sending one byte a second restarts it
 * forever. The check runs on the scheduler, apart from the threads that serve requests, so it
 * fires however busy they are. Connections carry one request each (no keep-alive), so the time
 * from opening is the time of the request.
 *
 * <p>Whoever takes a connection out of {@link #pending} first decides its fate: the scheduler
 * (closed, nothing applied) or {@link #met} (served). So a request is either refused whole or
 * served, never cut off between its check and its change.
 */
final class RequestDeadline implements Connection.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(RequestDeadline.class);

    private final Scheduler scheduler;
    private final long millis;
    private final Map<Connection, Scheduler.Task> pending = new ConcurrentHashMap<>();

    RequestDeadline(Scheduler scheduler, long millis) {
        this.scheduler = scheduler;
        this.millis = millis;
    }

    @Override
    public void onOpened(Connection connection) {
        pending.put(connection, scheduler.schedule(() -> expire(connection), millis, TimeUnit.MILLISECONDS));
    }

    @Override
    public void onClosed(Connection connection) {
        Scheduler.Task task = pending.remove(connection);
        if (task != null) {
            task.cancel();
        }
    }

    /**
     * The request on {@code connection} has fully arrived: its deadline no longer applies. False
     * when the deadline has passed first: the connection is being closed and the request must not
     * be acted on.
     */
    boolean met(Connection connection) {
        Scheduler.Task task = pending.remove(connection);
        if (task == null) {
            return false;
        }
        task.cancel();
        return true;
    }

    private void expire(Connection connection) {
        if (pending.remove(connection) != null) {
            LOG.debug("admin: dropped {}: no complete request within {} ms", connection.getEndPoint().getRemoteSocketAddress(),
                    millis);
            connection.getEndPoint().close();
        }
    }
}
